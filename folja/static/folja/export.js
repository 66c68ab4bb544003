// The export page: follow a running export's progress and show its files when it is ready.
(function () {
  "use strict";
  document.querySelectorAll("[data-export-status]").forEach(function (item) {
    var url = item.getAttribute("data-export-status");
    var bar = item.querySelector("progress");
    var status = item.querySelector(".export__status");
    var reload = item.querySelector(".export__reload");
    if (reload) reload.hidden = true;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (bar) bar.value = data.progress;
          if (data.ready) {
            var files = item.querySelector(".export__files");
            files.querySelectorAll("a[data-kind]").forEach(function (a) {
              a.href = data.files[a.getAttribute("data-kind")];
            });
            files.hidden = false;
            if (bar) bar.closest("p").hidden = true;
            status.textContent = files.getAttribute("data-ready-text") || status.textContent;
            window.location.reload();
            return;
          }
          if (data.status === "failed") { window.location.reload(); return; }
          window.setTimeout(poll, 1500);
        })
        .catch(function () { if (reload) reload.hidden = false; });
    }
    window.setTimeout(poll, 1000);
  });
})();
