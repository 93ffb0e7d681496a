// The photo viewer on a listing's page (templates/listings/_photos_viewer.html).
// Without this script each photo is a link to its large rendition. With it, a photo
// opens in a modal dialog, scaled to the screen: next/previous by the buttons, the arrow
// keys and a swipe; Escape (or "Lukk") closes it and the focus returns to the photo that
// opened it. Each photo keeps its alt text (title and position).
(function () {
  "use strict";
  var dialog = document.getElementById("photo-viewer");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var links = Array.prototype.slice.call(document.querySelectorAll("a.photo-open"));
  if (!links.length) { return; }
  var image = dialog.querySelector("[data-viewer-image]");
  var count = dialog.querySelector("#photo-viewer-count");
  var prev = dialog.querySelector("[data-viewer-prev]");
  var next = dialog.querySelector("[data-viewer-next]");
  var current = 0;
  var opener = null;
  var touchX = null;
  var touchY = null;

  function show(index) {
    current = (index + links.length) % links.length;
    var link = links[current];
    // the medium rendition on a phone, the large one where the screen needs it
    image.removeAttribute("srcset");
    image.sizes = "100vw";
    if (link.dataset.srcset) { image.srcset = link.dataset.srcset; }
    image.src = link.href;
    image.alt = link.dataset.alt || "";
    if (link.dataset.width) { image.width = parseInt(link.dataset.width, 10); }
    if (link.dataset.height) { image.height = parseInt(link.dataset.height, 10); }
    count.textContent = (dialog.dataset.textCount || "{i} / {n}")
      .split("{i}").join(String(current + 1)).split("{n}").join(String(links.length));
    if (links.length > 1) {  // fetch the next photo while this one is looked at
      var following = links[(current + 1) % links.length];
      var preload = new Image();
      preload.sizes = "100vw";
      if (following.dataset.srcset) { preload.srcset = following.dataset.srcset; }
      preload.src = following.href;
    }
  }

  function open(index, from) {
    opener = from;
    show(index);
    dialog.showModal();
    (next || dialog.querySelector("[data-viewer-close]")).focus();
  }

  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      open(index, link);
    });
  });

  dialog.addEventListener("close", function () {
    if (opener) { opener.focus(); }
  });
  dialog.querySelector("[data-viewer-close]").addEventListener("click", function () {
    dialog.close();
  });
  if (prev) { prev.addEventListener("click", function () { show(current - 1); }); }
  if (next) { next.addEventListener("click", function () { show(current + 1); }); }

  dialog.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") {
      event.preventDefault();
      show(current + 1);
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      show(current - 1);
    }
    // Escape: the dialog's own cancel closes it (and "close" returns the focus).
  });
  // A click on the dark area around the photo closes the viewer as well.
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) { dialog.close(); }
  });

  // Swipe left or right (touch and pen); a mostly vertical move is left to scrolling.
  dialog.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse") { return; }
    touchX = event.clientX;
    touchY = event.clientY;
  });
  dialog.addEventListener("pointerup", function (event) {
    if (touchX === null) { return; }
    var dx = event.clientX - touchX;
    var dy = event.clientY - touchY;
    touchX = touchY = null;
    if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) { show(current + (dx < 0 ? 1 : -1)); }
  });
  dialog.addEventListener("pointercancel", function () { touchX = touchY = null; });
}());
