/* Maps over the list (templates/_map.html, app/maps.py): progressive enhancement.
 *
 * The page embeds its markers as JSON in #map-data ({tiles, attribution, markers: [{id,
 * title, lat, lon, url, label}], centre: {lat, lon, radius_m} | null}); this draws them
 * with Leaflet (static/vendor/leaflet). Without this script, or without Leaflet, the page
 * is the list and nothing else. Listings at the same point share one marker whose popup
 * lists them all. Markers are buttons in the tab order; opening one (Enter,
 * Space or a click) shows a popup whose link leads to the listing and takes the focus;
 * Escape closes it and the focus goes back to the marker.
 */
(function () {
  "use strict";

  var VIEW_KEY = "kretslop.search.view";

  function readData() {
    var source = document.getElementById("map-data");
    if (!source) return null;
    try {
      var data = JSON.parse(source.textContent);
      return data && data.markers && data.markers.length ? data : null;
    } catch (err) {
      return null;
    }
  }

  function entry(item, tag) {
    var row = document.createElement(tag);
    var title = document.createElement("p");
    title.className = "map-popup-title";
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.title;
    link.className = "map-popup-link";
    title.appendChild(link);
    row.appendChild(title);
    if (item.label) {
      var label = document.createElement("p");
      label.className = "map-popup-label";
      label.textContent = item.label;
      row.appendChild(label);
    }
    return row;
  }

  // One listing: its title linked, and the short label. Several at the same point (the
  // same address or postcode): one marker with a list, since stacked markers could not
  // be told apart or clicked.
  function popupContent(items) {
    if (items.length === 1) {
      var box = entry(items[0], "div");
      box.className = "map-popup";
      return box;
    }
    var list = document.createElement("ul");
    list.className = "map-popup map-popup-list";
    items.forEach(function (item) { list.appendChild(entry(item, "li")); });
    return list;
  }

  function groupByPoint(markers) {
    var groups = [];
    var byKey = {};
    markers.forEach(function (item) {
      var key = item.lat.toFixed(5) + "," + item.lon.toFixed(5);
      if (!byKey[key]) {
        byKey[key] = [];
        groups.push(byKey[key]);
      }
      byKey[key].push(item);
    });
    return groups;
  }

  function addMarker(map, items, strings) {
    var name = items.length === 1 ? items[0].title
      : (strings.several || "%(num)s").replace("%(num)s", String(items.length)) + ": " +
        items.map(function (item) { return item.title; }).join(", ");
    var marker = L.marker([items[0].lat, items[0].lon], {
      title: name, alt: name, keyboard: true, riseOnHover: true,
    });
    marker.bindPopup(popupContent(items), {autoPanPadding: [24, 24], maxHeight: 260});
    marker.on("popupopen", function (event) {
      var element = event.popup.getElement();
      var close = element && element.querySelector(".leaflet-popup-close-button");
      if (close && strings.close) close.setAttribute("aria-label", strings.close);
      if (element && !element.hasAttribute("data-escape")) {
        element.setAttribute("data-escape", "");
        element.addEventListener("keydown", function (key) {
          if (key.key === "Escape") marker.closePopup();
        });
      }
      var link = element && element.querySelector(".map-popup-link");
      if (link) link.focus({preventScroll: true});
    });
    marker.on("popupclose", function (event) {
      var element = event.popup.getElement();
      var active = document.activeElement;
      if (!active || active === document.body || (element && element.contains(active))) {
        var icon = marker.getElement();
        if (icon) icon.focus({preventScroll: true});
      }
    });
    // Space opens the popup too, as on any button (Leaflet handles Enter).
    marker.on("add", function () {
      var icon = marker.getElement();
      if (!icon) return;
      icon.addEventListener("keydown", function (event) {
        if (event.key === " ") {
          event.preventDefault();
          marker.openPopup();
        }
      });
    });
    marker.addTo(map);
    return marker;
  }

  function draw(element, data) {
    var strings = {
      zoomIn: element.getAttribute("data-zoom-in"),
      zoomOut: element.getAttribute("data-zoom-out"),
      close: element.getAttribute("data-close"),
      several: element.getAttribute("data-several"),
    };
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // The small map on a listing page must not catch a phone user's scrolling finger:
    // there it pans only with the zoom buttons and two fingers (the point is in view).
    var small = element.getAttribute("data-map") === "listing";
    var map = L.map(element, {zoomControl: false, scrollWheelZoom: false, minZoom: 4,
                              maxZoom: 18, fadeAnimation: !still, zoomAnimation: !still,
                              markerZoomAnimation: !still,
                              dragging: !(small && L.Browser.mobile)});
    L.control.zoom({zoomInTitle: strings.zoomIn || "+", zoomOutTitle: strings.zoomOut || "-"})
      .addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    L.tileLayer(data.tiles, {attribution: data.attribution || "", maxZoom: 18}).addTo(map);

    var bounds = L.latLngBounds([]);
    groupByPoint(data.markers).forEach(function (items) {
      addMarker(map, items, strings);
      bounds.extend([items[0].lat, items[0].lon]);
    });
    var centre = data.centre;
    if (centre) {
      var point = L.latLng(centre.lat, centre.lon);
      bounds.extend(point);
      if (centre.radius_m) {
        // The search area; drawn, not interactive (the list and the markers say it all).
        var circle = L.circle(point, {radius: centre.radius_m, interactive: false,
                                      className: "map-search-area", weight: 2,
                                      fillOpacity: 0.06});
        circle.addTo(map);
        bounds.extend(point.toBounds(centre.radius_m * 2)); // the map has no view yet
      }
      L.circleMarker(point, {radius: 5, interactive: false, className: "map-search-centre",
                             weight: 2, fillOpacity: 1}).addTo(map);
    }
    if (data.markers.length === 1 && !centre) {
      map.setView([data.markers[0].lat, data.markers[0].lon], 15);
    } else {
      map.fitBounds(bounds, {padding: [32, 32], maxZoom: 15});
    }
    return map;
  }

  function setUpSearch(view, element, data) {
    var toggle = view.querySelector(".map-toggle");
    var note = view.querySelector(".map-note");
    var buttons = view.querySelectorAll("[data-map-show]");
    var selector = element.getAttribute("data-map-list");
    var map = null;

    function show(mode) {
      var showMap = mode === "map";
      element.hidden = !showMap;
      if (note) note.hidden = !showMap;
      if (selector) {
        document.querySelectorAll(selector).forEach(function (list) {
          list.hidden = showMap;
          list.classList.toggle("map-list-hidden", showMap); // over the list's own display
        });
      }
      buttons.forEach(function (button) {
        var pressed = button.getAttribute("data-map-show") === mode;
        button.setAttribute("aria-pressed", pressed ? "true" : "false");
        button.setAttribute("data-variant", pressed ? "primary" : "secondary");
      });
      if (showMap) {
        if (map) {
          map.invalidateSize();
        } else {
          // Leaflet and the tiles load only once the visitor asks for the map.
          var giveUp = function () {
            show("list"); // no map after all: the list is the page
            toggle.hidden = true;
          };
          withLeaflet(element.getAttribute("data-leaflet"), function () {
            if (map || element.hidden) return;
            try {
              map = draw(element, data);
            } catch (err) {
              giveUp();
              throw err;
            }
          }, giveUp);
        }
      }
      try {
        window.sessionStorage.setItem(VIEW_KEY, mode);
      } catch (err) { /* private mode: the choice is simply not kept */ }
    }

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        show(button.getAttribute("data-map-show"));
      });
    });
    toggle.hidden = false;
    var kept = null;
    try {
      kept = window.sessionStorage.getItem(VIEW_KEY);
    } catch (err) { /* ignore */ }
    show(kept === "map" ? "map" : "list");
  }

  var waiting = null;

  // Calls ``ready`` once Leaflet (window.L) is there, loading ``src`` first if need be.
  function withLeaflet(src, ready, failed) {
    if (window.L) return ready();
    if (!src) return failed();
    if (!waiting) {
      waiting = [];
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () {
        var queue = waiting;
        waiting = null;
        queue.forEach(function (pair) { (window.L ? pair[0] : pair[1])(); });
      };
      script.onerror = function () {
        var queue = waiting;
        waiting = null;
        queue.forEach(function (pair) { pair[1](); });
      };
      document.head.appendChild(script);
    }
    waiting.push([ready, failed]);
  }

  function start() {
    var data = readData();
    var element = document.querySelector("[data-map]");
    var view = element && element.closest("[data-map-view]");
    if (!data || !element || !view || !data.tiles) return;
    if (element.getAttribute("data-map") === "search") {
      setUpSearch(view, element, data);
    } else if (window.L) {
      view.hidden = false;
      try {
        draw(element, data);
      } catch (err) {
        view.hidden = true; // the address stays in the listing's facts
        throw err;
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
