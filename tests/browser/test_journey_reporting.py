"""Journey 3: a hand-over happens (through the API), then a municipal officer opens the
dashboard, sees the kilograms under the right EU category and downloads the XLSX."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook

from tests.browser.conftest import axe_violations, login, screenshot


def _api(live, token, method, path, **kwargs):
    response = requests.request(method, live.url + "/api/v1" + path, timeout=15,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def handed_over(live):
    """Heggedal Bygg gives 12 doors to Omigjen; weighed at 318.5 kg."""
    giver = live.token("bygg@demo.kretslop.no")
    receiver = live.token("omigjen@demo.kretslop.no")
    listing = _api(live, giver, "POST", "/listings", json={
        "title": "12 innerdører, hvite, journey 3", "category": "door", "condition": "good",
        "quantity": 12, "unit": "pcs", "price_nok": 0, "postcode": "1389", "publish": True})
    reservation = _api(live, receiver, "POST", "/reservations",
                       json={"listing_id": listing["id"], "quantity": 12})
    _api(live, giver, "POST", f"/reservations/{reservation['id']}/accept", json={})
    _api(live, receiver, "POST", f"/reservations/{reservation['id']}/handover", json={})
    done = _api(live, giver, "POST", f"/reservations/{reservation['id']}/handover",
                json={"weight_kg": 318.5})
    assert done["reuse_record"]["eu_category"] == "construction"
    return done


@pytest.mark.browser
def test_officer_sees_kilograms_under_the_eu_category_and_downloads_xlsx(page, live,
                                                                        handed_over):
    login(page, "kommune@demo.kretslop.no")
    # Today only: the demo's history (app/demo_history.py) ends days before today, so
    # the construction row holds exactly this journey's hand-over.
    today = datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat()
    page.goto(f"/reporting?period=custom&from={today}&to={today}")
    table = page.locator("table", has_text="Bygg").first
    assert "318,5" in table.inner_text()
    screenshot(page, "journey3-dashboard")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (xlsx)").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        workbook = load_workbook(io.BytesIO(file.read()))
    assert "Metode" in workbook.sheetnames
    values = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
              for cell in row]
    assert any(isinstance(v, int | float) and abs(v - 318.5) < 1e-9 for v in values) or \
        any(isinstance(v, int | float) and abs(v - 0.3185) < 1e-9 for v in values)


@pytest.mark.browser
def test_the_dashboard_is_closed_to_other_organisations(page, live, handed_over):
    login(page, "sofa@demo.kretslop.no")
    response = page.goto("/reporting")
    assert response.status == 403
