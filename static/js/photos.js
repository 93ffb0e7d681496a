// Photos on the listing form (templates/listings/_photo_fieldset.html).
// Without this script the form works as it is: type the order, choose the cover, tick
// "remove", choose files, save. With it: each chosen or dropped file is uploaded at once
// to /listings/photos (the answer is a pending reference the form sends on save), a
// refused file shows its message next to the field, and every photo gets buttons to move
// it earlier or later, make it the cover (the first photo) and remove it; the photos can
// also be dragged. The plain controls are kept in step (and hidden), so the server reads
// the same fields either way. The form waits for running uploads before it is sent.
(function () {
  "use strict";
  var box = document.getElementById("photo-fieldset");
  if (!box || !window.fetch || !window.FormData) { return; }
  var form = box.closest("form");
  var list = box.querySelector("[data-photo-list]");
  var input = document.getElementById("photos");
  var errorBox = document.getElementById("photos-error");
  var status = box.querySelector("[data-photo-status]");
  var countText = box.querySelector("[data-photo-count]");
  var zone = box.querySelector("[data-drop-zone]");
  var max = parseInt(box.dataset.max, 10) || 10;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var running = 0;
  var waitingSubmitter = null;
  var dragged = null;

  function text(name, values) {
    var value = box.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      value = value.split("{" + key + "}").join(values[key]);
    });
    return value;
  }

  function say(message) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function showErrors(messages) {
    errorBox.innerHTML = "";
    messages.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;
      errorBox.appendChild(p);
    });
    errorBox.hidden = messages.length === 0;
    box.classList.toggle("has-error", messages.length > 0);
    if (messages.length) {
      input.setAttribute("aria-invalid", "true");
      if ((input.getAttribute("aria-describedby") || "").indexOf("photos-error") < 0) {
        input.setAttribute("aria-describedby",
          (input.getAttribute("aria-describedby") + " photos-error").trim());
      }
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function items() {
    return Array.prototype.slice.call(list.querySelectorAll("li.photo-item"));
  }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "ds-button photo-button";
    b.dataset.variant = "secondary";
    b.dataset.size = "sm";
    b.dataset.action = action;
    b.appendChild(document.createTextNode(label));
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.dataset.which = "1";
    b.appendChild(hidden);
    return b;
  }

  function enhance(li) {
    if (li.querySelector(".photo-buttons")) { return; }
    var bar = document.createElement("div");
    bar.className = "photo-buttons";
    bar.appendChild(button(text("textEarlier"), "earlier"));
    bar.appendChild(button(text("textLater"), "later"));
    bar.appendChild(button(text("textCover"), "cover"));
    bar.appendChild(button(text("textRemove"), "remove"));
    li.appendChild(bar);
    li.draggable = true;
  }

  // Numbers, cover radio, labels and alt texts follow the order of the list.
  function renumber() {
    var all = items();
    all.forEach(function (li, i) {
      var n = i + 1;
      var order = li.querySelector('input[name="photo_order"]');
      if (order) { order.value = String(n); }
      var cover = li.querySelector('input[name="photo_cover"]');
      if (cover) { cover.checked = i === 0; }
      var img = li.querySelector("img");
      if (img) { img.alt = text("textPhoto", {n: n}); }
      var badge = li.querySelector(".photo-cover-badge");
      if (badge) { badge.hidden = i !== 0; }
      li.querySelectorAll("[data-which]").forEach(function (span) {
        span.textContent = " " + text("textWhich", {n: n});
      });
      li.querySelectorAll(".photo-buttons button").forEach(function (b) {
        var action = b.dataset.action;
        b.disabled = (action === "earlier" || action === "cover") ? i === 0
          : action === "later" ? i === all.length - 1 : false;
      });
    });
    countText.textContent = "(" + all.length + "/" + max + ")";
  }

  function focusAfterMove(li, action) {
    var b = li.querySelector('button[data-action="' + action + '"]');
    if (b && b.disabled) {
      b = li.querySelector('button[data-action="' + (action === "earlier" ? "later" : "earlier") + '"]');
    }
    if (b && !b.disabled) { b.focus(); }
  }

  function remove(li) {
    var ref = li.dataset.ref;
    var next = li.nextElementSibling || li.previousElementSibling;
    if (li.dataset.saved) {  // a saved photo is deleted when the form is saved
      var gone = document.createElement("input");
      gone.type = "hidden";
      gone.name = "photo_remove";
      gone.value = ref;
      form.appendChild(gone);
    }
    li.remove();
    renumber();
    say(text("textRemoved"));
    var target = next && next.querySelector('button[data-action="remove"]');
    (target || input).focus();
  }

  list.addEventListener("click", function (event) {
    var b = event.target.closest("button[data-action]");
    if (!b) { return; }
    var li = b.closest("li.photo-item");
    var action = b.dataset.action;
    if (action === "remove") { remove(li); return; }
    if (action === "earlier" && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (action === "later" && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    } else if (action === "cover") {
      list.insertBefore(li, list.firstElementChild);
    }
    renumber();
    var position = items().indexOf(li) + 1;
    say(action === "cover" ? text("textCovered")
      : text("textMoved", {i: position, n: items().length}));
    if (action === "cover") {
      li.querySelector('button[data-action="later"]').focus();
    } else {
      focusAfterMove(li, action);
    }
  });

  // Drag to reorder (the buttons do the same by keyboard).
  list.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest("li.photo-item");
    if (!li) { return; }
    dragged = li;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.ref);
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    var over = event.target.closest("li.photo-item");
    if (!over || over === dragged) { return; }
    var box = over.getBoundingClientRect();
    var before = (event.clientX - box.left) < box.width / 2;
    list.insertBefore(dragged, before ? over : over.nextElementSibling);
  });
  list.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  list.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    var li = dragged;
    dragged = null;
    renumber();
    say(text("textMoved", {i: items().indexOf(li) + 1, n: items().length}));
  });

  function newItem(data) {
    var li = document.createElement("li");
    li.className = "photo-item";
    li.dataset.ref = data.ref;
    li.dataset.saved = "";
    var ref = document.createElement("input");
    ref.type = "hidden";
    ref.name = "photo";
    ref.value = data.ref;
    li.appendChild(ref);
    var img = document.createElement("img");
    img.src = data.thumb;
    img.width = 160;
    img.height = 120;
    img.alt = "";
    li.appendChild(img);
    var badge = document.createElement("p");
    badge.className = "photo-cover-badge";
    badge.textContent = text("textBadge");
    li.appendChild(badge);
    var plain = document.createElement("div");
    plain.className = "photo-controls-plain";
    var order = document.createElement("input");
    order.type = "hidden";
    order.name = "photo_order";
    plain.appendChild(order);
    var cover = document.createElement("input");
    cover.type = "radio";
    cover.name = "photo_cover";
    cover.value = data.ref;
    cover.tabIndex = -1;
    cover.setAttribute("aria-hidden", "true");
    plain.appendChild(cover);
    li.appendChild(plain);
    enhance(li);
    return li;
  }

  function upload(file, errors) {
    running += 1;
    var placeholder = document.createElement("li");
    placeholder.className = "photo-uploading";
    placeholder.textContent = text("textUploading", {name: file.name});
    list.appendChild(placeholder);
    var body = new FormData();
    body.append("file", file, file.name);
    var headers = {"Accept": "application/json"};
    if (csrf) { headers["X-CSRFToken"] = csrf.content; }
    return fetch(box.dataset.uploadUrl, {method: "POST", body: body, headers: headers,
                                         credentials: "same-origin"})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (response.status === 201 && json.ref) {
            list.insertBefore(newItem(json), placeholder);
            say(text("textAdded", {name: file.name}));
            return;
          }
          var messages = [];
          Object.keys(json.errors || {}).forEach(function (key) {
            messages = messages.concat(json.errors[key]);
          });
          if (!messages.length) { messages = [json.detail || text("textFailed", {name: file.name})]; }
          messages.forEach(function (m) { errors.push("«" + file.name + "»: " + m); });
        });
      })
      .catch(function () { errors.push(text("textFailed", {name: file.name})); })
      .then(function () {
        placeholder.remove();
        running -= 1;
        renumber();
      });
  }

  function addFiles(files) {
    var errors = [];
    var room = max - items().length - list.querySelectorAll(".photo-uploading").length;
    var jobs = [];
    Array.prototype.forEach.call(files, function (file) {
      if (room <= 0) {
        errors.push(text("textTooMany", {name: file.name}));
        return;
      }
      room -= 1;
      jobs.push(upload(file, errors));
    });
    Promise.all(jobs).then(function () {
      showErrors(errors);
      if (!running && waitingSubmitter !== null) {
        var submitter = waitingSubmitter;
        waitingSubmitter = null;
        if (form.requestSubmit && submitter instanceof HTMLElement) {
          form.requestSubmit(submitter);
        } else {
          form.submit();
        }
      }
    });
  }

  input.addEventListener("change", function () {
    if (!input.files || !input.files.length) { return; }
    var files = Array.prototype.slice.call(input.files);
    input.value = "";  // the files go now, not again with the form
    addFiles(files);
  });

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }
  box.addEventListener("dragover", function (event) {
    if (!hasFiles(event)) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("drop-active");
  });
  box.addEventListener("dragleave", function (event) {
    if (!box.contains(event.relatedTarget)) { zone.classList.remove("drop-active"); }
  });
  box.addEventListener("drop", function (event) {
    if (!hasFiles(event)) { return; }
    event.preventDefault();
    zone.classList.remove("drop-active");
    addFiles(event.dataTransfer.files);
  });

  form.addEventListener("submit", function (event) {
    if (running > 0) {
      event.preventDefault();
      waitingSubmitter = event.submitter || true;
      say(text("textWait"));
    }
  });

  box.classList.add("photos-enhanced");
  var hint = document.getElementById("photos-files-hint");
  if (hint && box.dataset.textFilesHint) { hint.textContent = box.dataset.textFilesHint; }
  items().forEach(enhance);
  renumber();
}());
