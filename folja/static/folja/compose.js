// The compose page, progressively enhanced: the form works without this file.
// - the children follow the choice "Gruppen" / "Ett barn";
// - each chosen file is sent at once with its own progress bar and attached when the post is saved;
// - the buttons are disabled while files are sent and once the form is sent (no double posts);
// - what is typed is saved on the server while writing, so a lost session loses no text.
(function () {
  "use strict";
  var form = document.querySelector("form[data-compose]");
  if (!form) return;
  var data = form.dataset;
  var buttons = function () { return form.querySelectorAll("button[type=submit]"); };
  var status = form.querySelector("[data-autosave-status]");
  var say = function (text) { if (status) status.textContent = text; };
  var pending = 0;
  var sending = false;

  // ---- Children follow the kind of post ------------------------------------------------------
  var children = function () { return form.querySelectorAll("[data-children] input[name=children]"); };
  var kind = function () {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "";
  };
  var showKindHelp = function () {
    form.querySelectorAll("[data-kind-help]").forEach(function (p) { p.hidden = p.dataset.kindHelp !== kind(); });
  };
  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var boxes = Array.prototype.slice.call(children());
      var ticked = boxes.filter(function (b) { return b.checked; });
      if (kind() === "individual" && ticked.length !== 1) {
        boxes.forEach(function (b) { b.checked = false; });
      } else if (kind() === "group" && ticked.length <= 1) {
        boxes.forEach(function (b) { b.checked = true; });
      }
      showKindHelp();
    });
  });
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.name !== "children" || !box.checked || kind() !== "individual") return;
    // One child: ticking another moves the choice.
    children().forEach(function (b) { if (b !== box) b.checked = false; });
  });

  // ---- Buttons: disabled while files are sent and once the form is sent -------------------------
  var updateButtons = function () {
    buttons().forEach(function (b) { b.disabled = sending || pending > 0; });
    form.setAttribute("aria-busy", sending || pending > 0 ? "true" : "false");
    if (pending > 0) say(data.msgWait);
  };
  form.addEventListener("submit", function (event) {
    if (pending > 0 || sending) {
      event.preventDefault();
      if (pending > 0) say(data.msgWait);
      return;
    }
    // A disabled button is not sent: keep which one was pressed ("Publicera" or "Spara").
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    sending = true;
    window.setTimeout(updateButtons, 0);
  });
  // Back to the page from the browser's history: the form may be sent again.
  window.addEventListener("pageshow", function () { sending = false; updateButtons(); });

  // ---- Files: sent one by one when chosen, with progress ---------------------------------------
  var fileInput = form.querySelector("input[type=file][name=files]");
  var list = form.querySelector("[data-upload-list]");
  var csrf = function () {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };
  var item = function (name) {
    var li = document.createElement("li");
    li.className = "upload";
    var label = document.createElement("span");
    label.className = "upload__name";
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", data.msgSending.replace("%s", name));
    var note = document.createElement("span");
    note.className = "upload__status small";
    li.append(label, bar, note);
    list.appendChild(li);
    return { li: li, bar: bar, note: note };
  };
  var fail = function (row, message) {
    row.bar.remove();
    row.li.classList.add("upload--error");
    row.note.textContent = message;
    row.note.setAttribute("role", "alert");
  };
  var attached = function (row, answer) {
    // The same control the page shows without JavaScript: unticking it leaves the file out.
    row.li.textContent = "";
    var label = document.createElement("label");
    label.className = "choice";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "uploads";
    box.value = answer.uuid;
    box.checked = true;
    var text = document.createElement("span");
    text.textContent = answer.name + " ";
    var note = document.createElement("span");
    note.className = "small muted";
    note.textContent = data.msgReady;
    text.appendChild(note);
    label.append(box, " ", text);
    row.li.appendChild(label);
    scheduleSave();
  };
  var send = function (file) {
    var row = item(file.name);
    if (file.size > Number(data.maxBytes)) {
      fail(row, data.msgTooLarge);
      return;
    }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", data.uploadUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) row.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    var done = function () { pending -= 1; updateButtons(); if (pending === 0) say(""); };
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer && answer.uuid) attached(row, answer);
      else if (xhr.status === 413) fail(row, data.msgTooLarge);
      else if (answer && answer.error) fail(row, answer.error);
      else if (!answer) fail(row, data.msgSignedOut);
      else fail(row, data.msgFailed);
      done();
    });
    xhr.addEventListener("error", function () { fail(row, data.msgFailed); done(); });
    xhr.addEventListener("abort", function () { fail(row, data.msgFailed); done(); });
    pending += 1;
    updateButtons();
    xhr.send(body);
  };
  if (fileInput && list && window.FormData && window.XMLHttpRequest) {
    fileInput.addEventListener("change", function () {
      Array.prototype.forEach.call(fileInput.files, send);
      // The files are on their way: the form itself does not send them again.
      fileInput.value = "";
    });
  }

  // ---- Autosave while writing ------------------------------------------------------------------
  var timer = null;
  var lastSent = "";
  var payload = function () {
    var body = new FormData(form);
    body.delete("files");
    return body;
  };
  var fingerprint = function (body) {
    var parts = [];
    body.forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") parts.push(name + "=" + value); });
    return parts.join("&");
  };
  var save = function (keepalive) {
    timer = null;
    if (!data.autosaveUrl || sending || !window.fetch) return;
    var body = payload();
    var print = fingerprint(body);
    if (print === lastSent) return;
    fetch(data.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      keepalive: !!keepalive,
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.ok) {
        lastSent = print;
        return response.json().then(function (answer) {
          var time = new Date(answer.saved_at).toLocaleTimeString(document.documentElement.lang || "sv", {
            hour: "2-digit", minute: "2-digit",
          });
          if (pending === 0) say(data.msgSaved.replace("%s", time));
        });
      }
      // Signed out (a redirect to the sign-in page) or refused: what was saved before stays.
      say(data.msgSignedOut);
      return null;
    }).catch(function () { /* offline: the next change tries again */ });
  };
  var scheduleSave = function () {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(save, 2000);
  };
  form.addEventListener("input", function (event) {
    if (event.target !== fileInput && event.target.id !== "goal-filter") scheduleSave();
  });
  form.addEventListener("change", function (event) {
    if (event.target !== fileInput && event.target.id !== "goal-filter") scheduleSave();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) { window.clearTimeout(timer); save(true); }
  });
  // A discarded post is not saved again on the way out.
  lastSent = fingerprint(payload());
})();
