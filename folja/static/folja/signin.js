// BankID waiting page: refresh the animated QR code every second and follow the order's status.
// Enhancement only: without JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-bankid]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var qr = box.querySelector("[data-bankid-qr]");
  var message = box.querySelector("[data-bankid-message]");
  var interval = box.getAttribute("data-mode") === "qr" ? 1000 : 2000;
  var stopped = false;

  function poll() {
    if (stopped) return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.next) {
          stopped = true;
          window.location.assign(data.next);
          return;
        }
        // The SVG comes from our own server, computed from the order; never from user input.
        if (qr && data.qr) qr.innerHTML = data.qr;
        // Only announce a changed message, so screen readers are not flooded every second.
        if (message && data.message && message.textContent !== data.message) message.textContent = data.message;
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, interval * 2); });
  }
  window.setTimeout(poll, interval);
})();
