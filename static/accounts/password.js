/* Live feedback on a new password, with the same rules and messages as the server
   (app/accounts/passwords.py): length, not built on the e-mail or name, not a common
   password. The result is read out politely (aria-live); the server checks again. */
(function () {
  "use strict";
  var common = null;
  var loading = null;

  function squash(text) {
    return (text || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  }

  function personal(password, email, name) {
    var squashed = squash(password);
    if (!squashed) return false;
    var pieces = [];
    if (email) pieces.push(squash(email), squash(email.split("@")[0]));
    if (name) {
      pieces.push(squash(name));
      name.split(/\s+/).forEach(function (part) { pieces.push(squash(part)); });
    }
    return pieces.some(function (piece) {
      return piece.length >= 4 && squashed.indexOf(piece) !== -1;
    });
  }

  function isCommon(password) {
    if (!common || !password) return false;
    var lowered = password.toLowerCase();
    if (common.has(lowered)) return true;
    var core = lowered.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
    return core.length >= 4 && common.has(core);
  }

  function load(url) {
    if (!loading) {
      loading = fetch(url, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { common = new Set(list); })
        .catch(function () { common = new Set(); });
    }
    return loading;
  }

  function setup(box) {
    var input = document.getElementById(box.dataset.passwordField);
    var feedback = document.getElementById(box.dataset.passwordField + "-feedback");
    if (!input || !feedback) return;
    var rules = box.dataset.passwordField + "-rules";
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    [rules, feedback.id].forEach(function (id) {
      if (described.indexOf(id) === -1) described.push(id);
    });
    input.setAttribute("aria-describedby", described.join(" "));
    var min = parseInt(box.dataset.min, 10);
    var max = parseInt(box.dataset.max, 10);
    var timer = null;

    function check() {
      var value = input.value;
      if (!value) { feedback.textContent = ""; return; }
      var found = [];
      if (value.length < min) found.push(box.dataset.msgShort);
      if (value.length > max) found.push(box.dataset.msgLong);
      if (personal(value, box.dataset.email, box.dataset.name)) found.push(box.dataset.msgPersonal);
      if (isCommon(value)) found.push(box.dataset.msgCommon);
      feedback.textContent = found.length ? found.join(" ") : box.dataset.msgOk;
      feedback.dataset.state = found.length ? "problem" : "ok";
    }

    input.addEventListener("input", function () {
      load(box.dataset.commonUrl).then(function () {
        clearTimeout(timer);
        timer = setTimeout(check, 400);
      });
    });
    input.addEventListener("focus", function () { load(box.dataset.commonUrl); });
  }

  document.querySelectorAll(".password-rules[data-password-field]").forEach(setup);
})();
