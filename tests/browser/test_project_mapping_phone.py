"""Mapping a component on site on a 390 px phone (#21): photo first, the draft kept in
localStorage through a reload, a send while offline is held back with a notice (and
nothing is saved), back online the same form saves one component with its photo; both
pages pass axe and do not scroll sideways."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import test_responsive as responsive
from tests.browser.conftest import axe_violations, login
from tests.browser.test_project_publish import FIRM, _demo_project

NAME = "Innerdør eik 9x21 fra nettleser"


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 90, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def _saved(live, project_id: int) -> list[tuple[int, int]]:
    """(component id, number of photos) of every component with the test's name."""
    from app.db import db
    from app.projects.models import Component

    with live.app_beside():
        rows = db.session.scalars(sa.select(Component).where(
            Component.project_id == project_id, Component.name == NAME)).all()
        return [(c.id, len(c.photos)) for c in rows]


@pytest.mark.browser
def test_map_a_component_offline_and_online_on_a_phone(page, live):
    project_id = _demo_project(live)
    assert project_id is not None
    login(page, FIRM)
    page.set_viewport_size(responsive.PHONE)
    response = page.goto(f"/prosjekter/{project_id}/komponenter/ny?lang=nb")
    assert response.status == 200
    assert axe_violations(page) == []
    # Photo first: the form's first field is the camera.
    first = page.locator("#component-form input:not([type=hidden])").first
    assert first.get_attribute("type") == "file"
    assert first.get_attribute("accept") == "image/*"
    assert first.get_attribute("capture") == "environment"
    first.set_input_files({"name": "dor.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})

    page.select_option('select[name="building_part"]', "234")
    page.fill('input[name="name"]', NAME)
    page.fill('input[name="quantity"]', "4")
    page.fill('input[name="floor"]', "2. etasje")
    page.fill('input[name="room"]', "Korridor")
    page.check('input[name="suitability"][value="suitable"]')

    # A reload while online keeps what was typed (not the photo) from localStorage.
    page.reload()
    expect(page.locator('input[name="name"]')).to_have_value(NAME)
    expect(page.locator('input[name="room"]')).to_have_value("Korridor")
    expect(page.locator('select[name="building_part"]')).to_have_value("234")
    expect(page.locator('input[name="suitability"][value="suitable"]')).to_be_checked()

    # Offline: the send is held back with a notice; nothing reaches the server.
    page.locator("#component-form input[type=file]").set_input_files(
        {"name": "dor.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    page.context.set_offline(True)
    notice = page.locator("#offline-notice")
    page.get_by_role("button", name="Lagre og kartlegg neste").click()
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Du er uten nett")
    assert _saved(live, project_id) == []
    assert page.locator("#component-form input[type=file]").evaluate("e => e.files.length") == 1

    # Back online: the same form saves one component with its photo, and the next form
    # keeps building part, floor and room but not the name.
    page.context.set_offline(False)
    expect(notice).to_be_hidden()
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Lagre og kartlegg neste").click()
    assert sent.value.status == 200
    expect(page.get_by_role("status").first).to_contain_text("Kartlegg neste")
    expect(page.locator('input[name="name"]')).to_have_value("")
    expect(page.locator('input[name="room"]')).to_have_value("Korridor")
    expect(page.locator('select[name="building_part"]')).to_have_value("234")
    saved = _saved(live, project_id)
    assert len(saved) == 1 and saved[0][1] == 1, saved
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith("
                         "'kretslop-component-'))") == []

    page.goto(f"/prosjekter/{project_id}/komponenter?lang=nb")
    card = page.locator(f"#komponent-{saved[0][0]}")
    expect(card).to_contain_text(NAME)
    expect(card.locator("img")).to_have_count(1)
    problems = responsive.check_pages(
        page, [("project-components", "/prosjekter/{id}/komponenter"),
               ("project-new-component", "/prosjekter/{id}/komponenter/ny")],
        {"id": project_id})
    assert problems == []
