/* Search page: the filter panel (<details id="filters">) is an open sidebar from 768 px and a
   closed panel behind "Filtrer" below that (open from the start when a filter has an error).
   Without this script the panel still opens with its button. */
(function () {
  "use strict";
  var panel = document.getElementById("filters");
  if (!panel || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  var openedByServer = panel.open;
  function apply() {
    panel.open = wide.matches || openedByServer;
  }
  apply();
  if (wide.addEventListener) wide.addEventListener("change", function () {
    openedByServer = false;
    apply();
  });
})();
