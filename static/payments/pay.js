/* Kretsløp: the card payment step on the reservation page.
 *
 * Mounts Stripe.js's card element, asks our API for the PaymentIntent of this attempt
 * (POST /api/v1/reservations/<id>/payment, session + X-CSRFToken), confirms it with
 * stripe.confirmCardPayment, then comes back to the page with Stripe's return
 * parameters. The page waits for the webhook: it polls the reservation and reloads
 * once the server says paid. Nothing here marks anything paid. Texts and settings come
 * from data- attributes (the CSP forbids inline scripts).
 */
(function () {
  "use strict";
  var root = document.getElementById("pay-step");
  if (!root) { return; }
  var d = root.dataset;
  var statusBox = root.querySelector("[data-pay-status]");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function poll(tries) {
    fetch(d.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.status !== "awaiting_payment") {
          say(d.msgPaid);
          window.location.replace(d.returnUrl);
        } else if (tries > 0) {
          window.setTimeout(function () { poll(tries - 1); }, 2000);
        } else {
          say(d.msgSlow);
        }
      })
      .catch(function () { if (tries > 0) { window.setTimeout(function () { poll(tries - 1); }, 4000); } });
  }

  if (d.waiting === "1") { poll(90); return; }

  var form = document.getElementById("pay-form");
  var button = document.getElementById("pay-button");
  if (!form || !button) { return; }
  if (typeof window.Stripe !== "function") { say(d.msgNoStripe); button.disabled = true; return; }
  var stripe = window.Stripe(d.publishableKey);
  var card = stripe.elements({ locale: d.locale === "en" ? "en" : "nb" }).create("card", { hidePostalCode: true });
  card.mount("#card-element");

  function done(intent) {
    var url = d.returnUrl + "?payment_intent=" + encodeURIComponent(intent.id) +
      "&redirect_status=" + encodeURIComponent(intent.status === "processing" ? "processing" : "succeeded");
    window.location.assign(url);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    say(d.msgWorking);
    fetch(d.intentUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" }
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.detail || res.body.title || d.msgError); }
        if (res.body.status === "succeeded" || res.body.status === "processing") {
          return done({ id: res.body.payment_intent_id, status: res.body.status });
        }
        return stripe.confirmCardPayment(res.body.client_secret, { payment_method: { card: card } })
          .then(function (result) {
            var intent = result.paymentIntent;
            if (result.error || !intent || ["succeeded", "processing"].indexOf(intent.status) < 0) {
              say(d.msgDeclined + " " + ((result.error && result.error.message) || ""));
              button.disabled = false;
              return null;
            }
            return done(intent);
          });
      })
      .catch(function (err) {
        say(err && err.message ? err.message : d.msgError);
        button.disabled = false;
      });
  });
}());
