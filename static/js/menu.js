// The menu button in the header (phones, under 768 px). Without JavaScript the menu is simply shown:
// the class "js" on <html> is what lets app.css hide it until the button opens it.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function init() {
    var button = document.querySelector('.menu-button');
    var menu = button && document.getElementById(button.getAttribute('aria-controls'));
    if (!menu) { return; }

    function setOpen(open) {
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      menu.classList.toggle('is-open', open);
    }

    button.addEventListener('click', function () {
      setOpen(button.getAttribute('aria-expanded') !== 'true');
    });

    document.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape') { return; }
      var userMenu = document.querySelector('.user-menu[open]');
      if (userMenu && userMenu.contains(document.activeElement)) {
        userMenu.open = false;
        userMenu.querySelector('summary').focus();
      } else if (button.getAttribute('aria-expanded') === 'true') {
        setOpen(false);
        button.focus();
      }
    });

    // The user menu (a <details>) closes when the click or focus goes elsewhere.
    document.addEventListener('click', function (event) {
      var userMenu = document.querySelector('.user-menu[open]');
      if (userMenu && !userMenu.contains(event.target)) { userMenu.open = false; }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
