// The settings page's "Få push på den här enheten": asks the browser for a push subscription with
// Följa's VAPID key and sends it to the server (folja.pages.notices.views.device_add).
(function () {
  "use strict";
  var button = document.getElementById("push-subscribe");
  if (!button) return;
  var status = document.getElementById("push-status");
  function say(key) { if (status) status.textContent = status.getAttribute("data-" + key) || ""; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    button.hidden = true; say("unsupported"); return;
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function label() {
    var ua = navigator.userAgent, browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "";
    var system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
    return [browser, system].filter(Boolean).join(" / ");
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); button.disabled = false; return null; }
      return navigator.serviceWorker.register(button.getAttribute("data-sw"), { scope: "/" })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(button.getAttribute("data-key")) });
        })
        .then(function (subscription) {
          var body = subscription.toJSON(); body.label = label();
          return fetch(button.getAttribute("data-url"), {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
            body: JSON.stringify(body)
          });
        })
        .then(function (response) {
          if (response && response.ok) { window.location.reload(); } else { say("failed"); button.disabled = false; }
        });
    }).catch(function () { say("failed"); button.disabled = false; });
  });
})();
