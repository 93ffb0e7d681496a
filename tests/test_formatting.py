"""Issue #15: one set of formatters (app.formatting) for pages, e-mails and exports -
bokmål with decimal comma, U+202F between thousands and "4. desember 2026"; English as
en-GB; times in Europe/Oslo across daylight saving; e-mails in the recipient's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from app import formatting as f
from app.db import commit
from app.reporting.exports import safe_sheet_title
from tests.conftest import bearer
from tests.exchange.conftest import (  # noqa: F401 - fixtures used by these tests
    _exchange_payment_default,
    accepted,
    buyer,
    categories,
    make_listing,
    reserve,
    seller,
)
from tests.mailserver import body_of

THIN, NBSP = "\u202f", "\u00a0"
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b[AP]M\b")


# --- the formatters -------------------------------------------------------------------


@pytest.mark.parametrize(("call", "nb", "en"), [
    (lambda loc: f.number(1234567.5, locale=loc), f"1{THIN}234{THIN}567,5", "1,234,567.5"),
    (lambda loc: f.number(Decimal("10.000"), locale=loc), "10", "10"),  # not "10,000"
    (lambda loc: f.number(Decimal("2.50"), locale=loc), "2,5", "2.5"),
    (lambda loc: f.number(2.5, 2, fixed=True, locale=loc), "2,50", "2.50"),
    (lambda loc: f.number(Decimal("0.125"), 2, locale=loc), "0,13", "0.13"),  # half up
    (lambda loc: f.number(-1234, locale=loc), f"-1{THIN}234", "-1,234"),
    (lambda loc: f.kg("84.5", locale=loc), f"84,5{NBSP}kg", f"84.5{NBSP}kg"),
    (lambda loc: f.kg(Decimal("1250.4"), locale=loc), f"1{THIN}250{NBSP}kg", f"1,250{NBSP}kg"),
    (lambda loc: f.kg(Decimal("0.125"), locale=loc), f"0,13{NBSP}kg", f"0.13{NBSP}kg"),
    (lambda loc: f.co2e("122.525", locale=loc), f"122,5{NBSP}kg CO2e", f"122.5{NBSP}kg CO2e"),
    (lambda loc: f.co2e(Decimal("12345"), locale=loc), f"12,3{NBSP}t CO2e", f"12.3{NBSP}t CO2e"),
    (lambda loc: f.tonnes(1500, 2, locale=loc), f"1,50{NBSP}t", f"1.50{NBSP}t"),
    (lambda loc: f.percent(0.125, locale=loc), f"12,5{NBSP}%", "12.5%"),
    (lambda loc: f.money(125050, locale=loc), f"1{THIN}250,50", "1,250.50"),
    (lambda loc: f.money(150000, locale=loc), f"1{THIN}500,00", "1,500.00"),
    (lambda loc: f.money(150000, decimals=False, locale=loc), f"1{THIN}500", "1,500"),
    (lambda loc: f.kroner(1250, locale=loc), f"kr{NBSP}12,50", f"kr{NBSP}12.50"),
    (lambda loc: f.date(date(2026, 12, 4), locale=loc), "4. desember 2026", "4 December 2026"),
    (lambda loc: f.date(date(2026, 12, 4), "short", locale=loc), "4. des. 2026", "4 Dec 2026"),
    (lambda loc: f.datetime(datetime(2026, 12, 4, 12, 5), locale=loc),
     "4. des. 2026 kl. 13:05", "4 Dec 2026, 13:05"),
    (lambda loc: f.datetime(datetime(2026, 12, 4, 12, 5, tzinfo=UTC), "long", locale=loc),
     "4. desember 2026 kl. 13:05", "4 December 2026 at 13:05"),
    (lambda loc: f.datetime(datetime(2026, 12, 4, 12, 5), "full", locale=loc),
     "fredag 4. desember 2026 kl. 13:05", "Friday 4 December 2026 at 13:05"),
    (lambda loc: f.time(datetime(2026, 12, 4, 12, 5), locale=loc), "13:05", "13:05"),
    (lambda loc: f.number(None, locale=loc), "–", "–"),
    (lambda loc: f.number(float("nan"), locale=loc), "–", "–"),
])
def test_formatters_in_bokmal_and_british_english(call, nb, en):
    assert call("nb") == nb
    assert call("en") == en
    assert call("en_GB") == en and call("nb_NO") == nb


@pytest.mark.parametrize(("utc", "oslo"), [
    (datetime(2026, 3, 29, 0, 59), "29. mars 2026 kl. 01:59"),  # CET, UTC+1
    (datetime(2026, 3, 29, 1, 0), "29. mars 2026 kl. 03:00"),   # CEST from 01:00 UTC
    (datetime(2026, 10, 25, 0, 59), "25. oktober 2026 kl. 02:59"),  # still CEST
    (datetime(2026, 10, 25, 1, 0), "25. oktober 2026 kl. 02:00"),   # CET again
    (datetime(2026, 12, 31, 23, 30), "1. januar 2027 kl. 00:30"),   # the Oslo date
])
def test_times_are_oslo_time_across_daylight_saving(utc, oslo):
    assert f.datetime(utc, "long", locale="nb") == oslo
    assert f.datetime(utc.replace(tzinfo=UTC), "long", locale="nb") == oslo
    assert f.date(utc, locale="nb") == oslo.split(" kl.")[0]


def test_without_locale_the_current_language_is_used(app):
    with app.test_request_context("/?lang=en"):
        assert f.language() == "en" and f.number(1234.5) == "1,234.5"
        assert f.date(date(2026, 12, 4)) == "4 December 2026"
        with force_locale("nb"):  # what app.mail does for a bokmål recipient
            assert f.kg("84.5") == f"84,5{NBSP}kg"


def test_jinja_filters_and_the_old_names(app):
    with app.test_request_context("/?lang=en"):
        template = app.jinja_env.from_string(
            "{{ 84.5|kg }}|{{ d|date }}|{{ t|datetimeformat }}|{{ 12500|money }}|"
            "{{ x|decimal }}|{{ t|datetimeformat('full') }}|{{ d|dateformat('short') }}|"
            "{{ t|timeformat }}")
        assert template.render(d=date(2026, 12, 4), t=datetime(2026, 12, 4, 12, 5),
                               x=Decimal("10.000")) == (
            f"84.5{NBSP}kg|4 December 2026|4 Dec 2026, 13:05|125.00|10|"
            "Friday 4 December 2026 at 13:05|4 Dec 2026|13:05")


def test_bad_numbers_are_refused_not_misformatted():
    with pytest.raises(ValueError):
        f.number("12 kg")


# --- XLSX sheet names -----------------------------------------------------------------


def test_safe_sheet_titles_keep_letters_and_stay_unique():
    used: set[str] = set()
    titles = [safe_sheet_title(n, used) for n in (
        "Bydel/lokalsamfunn", "Organisasjonstype (som mottaker)", "Kategori: møbler*?[]",
        "Metode", "metode", "History", "'Ærlig'", "Å" * 40, "Å" * 40)]
    assert titles[:7] == ["Bydel-lokalsamfunn", "Organisasjonsty… (som mottaker)",
                          "Kategori- møbler----", "Metode", "metode 2", "History (1)", "Ærlig"]
    assert titles[7] == "Å" * 30 + "…" and titles[8] == "Å" * 28 + "… 2"
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    assert len({t.casefold() for t in titles}) == len(titles)


def test_xlsx_export_has_readable_sheet_titles(app, runner, categories, tmp_path):  # noqa: F811
    """The sheets of every report table (one per grouping): none mangled (issue 15 found
    "Bydellokalsamfunn" and a cut-off "Organisasjonstype (som mottaker")."""
    out = tmp_path / "all.xlsx"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--group-by", "all", "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = load_workbook(out).sheetnames
    assert "Bydel-lokalsamfunn" in names and "Metode" in names
    assert "Organisasjonsty… (som mottaker)" in names or \
        "Organisasjonstype (som mottaker)" in names
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)


# --- e-mails in the recipient's language ------------------------------------------------


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


def test_handover_mail_numbers_follow_each_recipients_language(  # noqa: F811
        make_listing, accepted, seller, buyer, smtp):  # noqa: F811
    """The seller reads bokmål, the buyer English: "84,5 kg" and "84.5 kg"."""
    from app.exchange import handover

    listing = make_listing(title="Kontorstoler Håg", quantity=10)
    reservation = accepted(listing, 6)
    handover.confirm_handover(reservation, buyer.user)
    commit()
    handover.confirm_handover(reservation, seller.user, weight_kg="84.5",
                              weight_method="weighed")
    commit()
    smtp.wait_for(5)
    completed = {m["X-Envelope-To"]: body_of(m) for m in smtp.messages
                 if "registrert" in m["Subject"] or "recorded" in m["Subject"].lower()
                 or m["Subject"].startswith(("Overleveringen er", "Hand-over"))}
    to_seller = completed[seller.user.email]
    to_buyer = completed[buyer.user.email]
    assert "Vekt: 84,5 kg (veid)" in to_seller and "84.5" not in to_seller
    assert "6 stk" in to_seller
    assert "84.5 kg" in to_buyer and "84,5" not in to_buyer
    co2e = re.search(r"(\d[\d\u202f.,]*) kg CO2e", to_seller)
    assert co2e and re.fullmatch(r"[\d\u202f]+(,\d{1,2})?", co2e.group(1)), to_seller


# --- pages ------------------------------------------------------------------------------


def test_english_pages_show_british_dates(client, auth, make_listing, accepted,  # noqa: F811
                                          buyer):  # noqa: F811
    listing = make_listing(title="Kontorstoler Håg")
    reservation = accepted(listing, 2)
    auth.login(buyer.user.email)  # reads English
    html = client.get(f"/reservations/{reservation.id}?lang=en").get_data(as_text=True)
    created = f.datetime(reservation.created_at, locale="en")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", created)
    assert created in html
    assert not US_DATE.search(html), US_DATE.search(html)
    page = client.get(f"/listings/{listing.id}?lang=en").get_data(as_text=True)
    assert f.date(listing.published_at, "long", locale="en") in page
    assert not US_DATE.search(page)
    norsk = client.get(f"/reservations/{reservation.id}?lang=nb").get_data(as_text=True)
    assert f.datetime(reservation.created_at, locale="nb") in norsk


def test_wanted_edit_error_shows_whole_numbers(client, make):
    """"Kan ikke være større enn antallet dere ønsker (10.000)" became "(10)"."""
    from app.listings.categories import ensure_categories

    ensure_categories()
    org = make.org("reuse_shop", postcode="1383")
    token = make.token(make.user(org, "member"))
    commit()
    created = client.post("/api/v1/requests", headers=bearer(token), json={
        "title": "Kontorstoler", "categories": ["office-chair"], "quantity": 10,
        "min_quantity": 2, "postcode": "1383", "radius_km": 20})
    assert created.status_code == 201, created.get_json()
    response = client.patch(f"/api/v1/requests/{created.get_json()['id']}", headers=bearer(token),
                            json={"min_quantity": 20})
    assert response.status_code == 422
    text = str(response.get_json())
    assert "(10)" in text and "10.000" not in text and "10,000" not in text


def test_favicon_is_served_for_pages_and_for_favicon_ico(client):
    """Every page links the SVG icon (base.html, the error pages too) and /favicon.ico
    leads to the same icon, so browsers that ask for it get an icon, not a 404."""
    for path in ("/", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
        assert icon, path
        with client.get(icon.group(1)) as svg:
            assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
            assert b"<svg" in svg.get_data()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"] == icon.group(1)
    with client.get("/favicon.ico", follow_redirects=True) as followed:
        assert followed.status_code == 200 and followed.mimetype == "image/svg+xml"
