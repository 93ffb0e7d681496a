"""What the accessibility statement says about testing: the pages the automatic
accessibility test (tests/browser/test_accessibility.py) checks with axe-core, and the
date of the last review. tests/test_pages.py holds this list to the browser test's."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

#: The day the statement and its test results were last reviewed.
REVIEWED = date(2026, 12, 4)

#: (path as the browser test opens it, what the page is), in the test's order.
PUBLIC = [
    ("/", _l("Forsiden")),
    ("/login", _l("Logg inn")),
    ("/register", _l("Registrering")),
    ("/password/forgot", _l("Glemt passord")),
    ("/listings", _l("Annonser")),
    ("/om", _l("Om tjenesten")),
    ("/kontakt", _l("Kontakt")),
    ("/personvern", _l("Personvernerklæring")),
    ("/vilkar", _l("Vilkår for bruk")),
    ("/tilgjengelighet", _l("Tilgjengelighetserklæring")),
    ("/search?q=stol&free=1", _l("Søk, med et filter valgt")),
    ("/wanted", _l("Ønsker")),
    ("/ombruk-i-tall", _l("Ombruk i tall")),
    ("/emission-factors", _l("Utslippsfaktorer")),
]
SIGNED_IN = [
    ("/account", _l("Min konto")),
    ("/listings/mine", _l("Våre annonser")),
    ("/listings/new", _l("Ny annonse")),
    ("/account/data", _l("Mine data")),
    ("/account/delete", _l("Slett kontoen")),
    ("/account/profile", _l("Navn og språk")),
    ("/account/email", _l("E-post")),
    ("/account/password", _l("Passord")),
    ("/reservations", _l("Mine reservasjoner")),
    ("/inbox", _l("Innboks")),
    ("/inbox/settings", _l("Innstillinger for varsler")),
    ("/account/security", _l("Innlogging og sikkerhet")),
    ("/account/security/two-factor", _l("Slå på tofaktor-innlogging")),
]
ADMIN = [
    ("/admin", _l("Administrasjon: oversikt")),
    ("/admin/organizations", _l("Administrasjon: organisasjoner")),
    ("/admin/users", _l("Administrasjon: brukere")),
    ("/admin/listings", _l("Administrasjon: annonser")),
    ("/admin/wanted", _l("Administrasjon: ønsker")),
    ("/admin/reports?status=all", _l("Administrasjon: rapporter")),
    ("/admin/audit", _l("Administrasjon: logg")),
    ("/admin/search?q=kontor", _l("Administrasjon: søk")),
    ("/admin/processing", _l("Administrasjon: behandlingsprotokoll")),
]
#: Checked by the same test by following links or with the map shown.
OTHER = [
    _l("den første detaljsiden under organisasjoner, brukere og annonser i administrasjonen"),
    _l("søkesiden med kartet vist, og en annonse med kart over hentestedet"),
    _l("hovedsidene i mobilbredde (390 piksler), også uten sideveis rulling, for en bedrift, "
       "en ombruksbutikk, kommunen og en administrator"),
]


def tested_paths() -> list[str]:
    return [path for path, _label in PUBLIC + SIGNED_IN + ADMIN]
