// The component form on a phone at a building site: what is typed is kept in
// localStorage (per project and component, photos excepted) until the server has saved
// it, so a reload, a lost connection or a failed send loses nothing. The form carries a
// client_key made by the server: sending it twice makes one component.
(function () {
  "use strict";
  var form = document.getElementById("component-form");
  if (!form || !window.localStorage) return;
  var key = form.getAttribute("data-draft-key");
  var notice = document.getElementById("offline-notice");
  var skip = { csrf_token: true, photos: true };
  var hasErrors = !!document.querySelector(".ds-error-summary, [aria-invalid='true']");
  var saved = document.querySelector(".ds-alert[data-color='success']");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skip[el.name] && el.type !== "submit" && el.type !== "file";
    });
  }
  function read() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) data[el.name] = el.value;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }
  function write(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) return;
      var value = data[el.name];
      if (el.type === "checkbox") el.checked = value.indexOf(el.value) !== -1;
      else if (el.type === "radio") el.checked = el.value === value;
      else el.value = value;
    });
  }
  function store() {
    try { localStorage.setItem(key, JSON.stringify(read())); } catch (e) { /* full: no draft */ }
  }
  function showOffline(show) { if (notice) notice.hidden = !show; }

  // The server just saved the previous one: its draft is done.
  if (saved) localStorage.removeItem(key);
  var draft = localStorage.getItem(key);
  if (draft && !hasErrors && !saved) {
    try { write(JSON.parse(draft)); } catch (e) { localStorage.removeItem(key); }
  }
  form.addEventListener("input", store);
  form.addEventListener("change", store);
  window.addEventListener("offline", function () { showOffline(true); });
  window.addEventListener("online", function () { showOffline(false); });
  if (navigator.onLine === false) showOffline(true);

  form.addEventListener("submit", function (event) {
    store();
    if (navigator.onLine === false) {
      event.preventDefault();
      showOffline(true);
      if (notice) { notice.setAttribute("tabindex", "-1"); notice.focus(); }
    }
  });
})();
