// "Översätt" beside a post or a comment (issue 32): without this file the button's form opens a
// page with the translation; with it, the same request (marked by a header) brings only the
// translation, shown under the original, which stays. A failure says so in the same place.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-translate]") || !window.fetch) return;
    var slot = document.getElementById(form.getAttribute("data-translate"));
    var button = form.querySelector("button");
    if (!slot || !button) return;
    event.preventDefault();
    var label = button.textContent;
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy");
    var done = function () {
      button.disabled = false;
      button.textContent = label;
    };
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Folja-Fragment": "1" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        slot.innerHTML = html;
        // A translation that came is shown once; the button stays for a failed one (to try again).
        if (!slot.querySelector(".machine-translation__failed")) form.hidden = true;
        done();
      })
      .catch(function () {
        var failed = document.createElement("p");
        failed.className = "notice machine-translation__failed";
        failed.setAttribute("role", "alert");
        failed.textContent = button.getAttribute("data-failed");
        slot.replaceChildren(failed);
        done();
      });
  });
})();
