// Hand-over form: typing a weighed weight chooses "Vi har veid", and the line under the
// form says which kg will be written. The server checks the same without this script
// (a typed weight with "Bruk anslaget" chosen is refused there).
(function () {
  "use strict";
  var input = document.getElementById("weight_kg");
  var line = document.getElementById("handover-written");
  if (!input || !line) { return; }
  var weighed = document.getElementById("weight_choice-weighed");
  var estimate = document.getElementById("weight_choice-estimate");

  function show() {
    var typed = input.value.trim();
    if (typed && weighed) { weighed.checked = true; }
    if (estimate && estimate.checked && line.dataset.estimateText) {
      line.textContent = line.dataset.estimateText;
    } else if (typed) {
      line.textContent = line.dataset.weighedText.replace("{kg}", typed);
    } else {
      line.textContent = line.dataset.emptyText;
    }
  }

  input.addEventListener("input", show);
  if (weighed) { weighed.addEventListener("change", show); }
  if (estimate) {
    estimate.addEventListener("change", function () {
      if (estimate.checked) { input.value = ""; }
      show();
    });
  }
}());
