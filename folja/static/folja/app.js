// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Goal search on the compose page: filter the goal list as the user types.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-goal-filter]")) return;
    var fold = function (s) { return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); };
    var q = fold(input.value.trim());
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var shown = 0;
    list.querySelectorAll("li[data-search]").forEach(function (li) {
      var match = !q || li.getAttribute("data-search").indexOf(q) !== -1 || li.querySelector("input:checked");
      li.hidden = !match;
      if (match) shown += 1;
    });
    // An area heading (an item without data-search) stays only when a goal under it is shown.
    var heading = null, headingUsed = false;
    list.querySelectorAll("li").forEach(function (li) {
      if (!li.hasAttribute("data-search")) {
        if (heading) heading.hidden = !headingUsed;
        heading = li; headingUsed = false;
      } else if (!li.hidden) {
        headingUsed = true;
      }
    });
    if (heading) heading.hidden = !headingUsed;
    var status = document.getElementById(input.getAttribute("data-status"));
    if (status) status.textContent = status.getAttribute("data-template").replace("%s", shown);
  });
})();

// The installable app: the service worker caches the app shell only (see /sw.js).
(function () {
  if (!("serviceWorker" in navigator)) return;
  var link = document.querySelector('link[rel="manifest"]');
  if (!link || !link.hasAttribute("data-sw")) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(link.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
  });
})();
