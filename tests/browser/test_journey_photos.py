"""Journey: a listing with three photos in one form, and the photo viewer (issues 16, 15).

The office chooses three real photos (Pillow JPEG/PNG) on /listings/new, sees their
previews, moves the last one earlier with the keyboard, drags one, makes another the
cover, removes none, publishes, and looks at them on the listing page in the viewer:
arrow keys, Escape, the focus back on the photo. A refused file is named next to the
field. axe-core on the form and the listing page; neither scrolls sideways at 390 px.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, screenshot

OFFICE = "kontor@demo.kretslop.no"  # Nesbru Kontorfellesskap AS (demo)
TITLE = "Tre bokhyller i eik"


def _photo(tmp_path, name: str, colour, fmt: str):
    image = Image.new("RGB", (1200, 900), colour)
    ImageDraw.Draw(image).rectangle((300, 200, 900, 700), fill=(240, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _names(page) -> list[str]:
    """The photos in the form, in order, by the file the preview came from (its colour).

    Waits until every preview has loaded: a canvas drawn from an image still loading
    reads as transparent black ("0,0,0"), which once failed CI.
    """
    page.wait_for_function("""() => Array.from(document.querySelectorAll('li.photo-item img'))
        .every(img => img.complete && img.naturalWidth > 0)""")
    return page.evaluate("""() => Array.from(document.querySelectorAll('li.photo-item img'))
        .map(img => { const c = document.createElement('canvas'); c.width = c.height = 1;
                      const x = c.getContext('2d'); x.drawImage(img, 0, 0, 8, 8, 0, 0, 1, 1);
                      const [r, g, b] = x.getImageData(0, 0, 1, 1).data;
                      return r > 150 && g < 100 ? 'red' : g > 120 && r < 100 ? 'green'
                           : b > 150 ? 'blue' : `${r},${g},${b}`; })""")


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.browser
def test_three_photos_in_one_form_then_the_viewer(page, live, tmp_path):
    red = _photo(tmp_path, "rod.jpg", (200, 30, 30), "JPEG")
    green = _photo(tmp_path, "gronn.png", (30, 160, 60), "PNG")
    blue = _photo(tmp_path, "bla.jpg", (30, 40, 200), "JPEG")
    broken = tmp_path / "skjema.jpg"
    broken.write_bytes(b"%PDF-1.4 this is not a photo")
    login(page, OFFICE)
    page.goto("/listings/new")
    page.get_by_label("Tittel").fill(TITLE)
    page.get_by_label("Kategori").select_option("office-chair")
    page.get_by_label("Antall", exact=True).fill("3")
    page.get_by_label("Postnummer for henting").fill("1394")

    # three photos at once: previews from the server, in the order chosen
    page.get_by_label("Legg til bilder").set_input_files([str(red), str(green), str(blue)])
    expect(page.locator("li.photo-item")).to_have_count(3)
    expect(page.locator("li.photo-uploading")).to_have_count(0)
    assert _names(page) == ["red", "green", "blue"]
    expect(page.locator("[data-photo-count]")).to_have_text("(3/10)")

    # a file that is no photo: named next to the field, the others stay
    page.get_by_label("Legg til bilder").set_input_files(str(broken))
    error = page.locator("#photos-error")
    expect(error).to_contain_text("«skjema.jpg»: Filen er ikke et bilde")
    expect(page.locator("li.photo-item")).to_have_count(3)

    # keyboard: the blue one earlier (focus stays on it), then the green one the cover
    page.get_by_role("button", name="Flytt fram bilde 3").focus()
    page.keyboard.press("Enter")
    assert _names(page) == ["red", "blue", "green"]
    expect(page.get_by_role("button", name="Flytt fram bilde 2")).to_be_focused()
    page.get_by_role("button", name="Bruk som forsidebilde bilde 3").focus()
    page.keyboard.press("Enter")
    assert _names(page) == ["green", "red", "blue"]
    expect(page.locator("[data-photo-status]")).to_have_text("Bildet er nå forsidebilde.")
    # drag: the blue one before the red one
    page.locator("li.photo-item").nth(2).drag_to(page.locator("li.photo-item").nth(1),
                                                 target_position={"x": 5, "y": 40})
    assert _names(page) == ["green", "blue", "red"]
    screenshot(page, "photos-form")
    assert axe_violations(page) == []

    with page.expect_navigation():
        page.get_by_role("button", name="Publiser").click()
    assert page.url.rstrip("/").split("/")[-1].isdigit()  # the listing's own page
    listing_url = page.url
    photos = page.locator("a.photo-open img")
    expect(photos).to_have_count(3)
    alts = [photos.nth(i).get_attribute("alt") for i in range(3)]
    assert alts == [f"Bilde {i} av 3: {TITLE}" for i in (1, 2, 3)]
    assert axe_violations(page) == []

    # the viewer: a dialog with the large photo, arrows, Escape, focus back
    first = page.locator("a.photo-open").first
    first.click()
    viewer = page.locator("dialog#photo-viewer")
    expect(viewer).to_be_visible()
    image = viewer.locator("img[data-viewer-image]")
    expect(viewer.locator("#photo-viewer-count")).to_have_text("Bilde 1 av 3")
    expect(image).to_have_attribute("alt", f"Bilde 1 av 3: {TITLE}")
    page.wait_for_function("() => { const i = document.querySelector("
                           "'img[data-viewer-image]'); return i.complete && i.naturalWidth; }")
    box = image.evaluate("i => { const r = i.getBoundingClientRect(); return {w: r.width, "
                         "h: r.height, vw: window.innerWidth, vh: window.innerHeight, "
                         "src: i.currentSrc}; }")
    # the 1200 x 900 photo is scaled into the dialog (bar and buttons stay on screen)
    assert 0 < box["w"] <= box["vw"] and 0 < box["h"] < box["vh"] - 100, box
    assert "/media/" in box["src"]
    page.keyboard.press("ArrowRight")
    expect(viewer.locator("#photo-viewer-count")).to_have_text("Bilde 2 av 3")
    expect(image).to_have_attribute("alt", f"Bilde 2 av 3: {TITLE}")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # wraps to the first
    expect(viewer.locator("#photo-viewer-count")).to_have_text("Bilde 1 av 3")
    page.keyboard.press("ArrowLeft")
    expect(viewer.locator("#photo-viewer-count")).to_have_text("Bilde 3 av 3")
    screenshot(page, "photos-viewer")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(first).to_be_focused()
    # the cover is the one chosen: the viewer shows the green photo first
    first.click()
    page.wait_for_function("() => { const i = document.querySelector("
                           "'img[data-viewer-image]'); return i.complete && i.naturalWidth; }")
    colour = image.evaluate("""i => { const c = document.createElement('canvas');
        c.width = c.height = 1; const x = c.getContext('2d');
        x.drawImage(i, 0, 0, 8, 8, 0, 0, 1, 1);
        return Array.from(x.getImageData(0, 0, 1, 1).data).slice(0, 3); }""")
    assert colour[1] > 120 and colour[0] < 100, colour
    # a swipe to the left shows the next photo, to the right the previous one
    figure = viewer.locator("figure")
    for start, end, expected in ((300, 100, "Bilde 2 av 3"), (100, 320, "Bilde 1 av 3")):
        figure.dispatch_event("pointerdown", {"pointerType": "touch", "clientX": start,
                                              "clientY": 300, "bubbles": True})
        figure.dispatch_event("pointerup", {"pointerType": "touch", "clientX": end,
                                            "clientY": 310, "bubbles": True})
        expect(viewer.locator("#photo-viewer-count")).to_have_text(expected)
    page.keyboard.press("Escape")

    # at 390 px: the listing page and the edit form with its photos fit the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(listing_url)
    _no_sideways_scroll(page)
    screenshot(page, "photos-listing-phone")
    page.goto(listing_url + "/edit")
    expect(page.locator("li.photo-item")).to_have_count(3)
    _no_sideways_scroll(page)
    screenshot(page, "photos-edit-phone")
    assert axe_violations(page) == []

    # remove the last photo by keyboard: gone at once, deleted when the form is saved
    page.get_by_role("button", name="Fjern bilde 3").focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.photo-item")).to_have_count(2)
    expect(page.locator("[data-photo-status]")).to_contain_text("Bildet er fjernet")
    expect(page.get_by_role("button", name="Fjern bilde 2")).to_be_focused()
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre endringer").click()
    expect(page.locator("li.photo-item")).to_have_count(2)
    assert _names(page) == ["green", "blue"]
    page.goto(listing_url)
    expect(page.locator("a.photo-open img")).to_have_count(2)


@pytest.mark.browser
def test_without_javascript_the_form_still_takes_photos(browser, live, tmp_path):
    """JavaScript off: the plain file field sends the photos with the form; a field error
    keeps them (as pending photos) and the typed title."""
    context = browser.new_context(java_script_enabled=False, base_url=live.url,
                                  locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login_plain(page)
        page.goto("/listings/new")
        page.get_by_label("Tittel").fill("Skrivebord uten skript")
        page.get_by_label("Kategori").select_option("desk")
        page.get_by_label("Antall", exact=True).fill("0")  # wrong on purpose
        page.get_by_label("Postnummer for henting").fill("1394")
        page.get_by_label("Legg til bilder").set_input_files(
            [str(_photo(tmp_path, "a.jpg", (200, 30, 30), "JPEG")),
             str(_photo(tmp_path, "b.png", (30, 40, 200), "PNG"))])
        with page.expect_navigation():
            page.get_by_role("button", name="Lagre som utkast").click()
        assert "Antallet må være større enn 0." in page.content()
        expect(page.get_by_label("Tittel")).to_have_value("Skrivebord uten skript")
        expect(page.locator("li.photo-item")).to_have_count(2)
        page.get_by_label("Antall", exact=True).fill("2")
        page.get_by_label("Forsidebilde (bilde 2)").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Lagre som utkast").click()
        assert "/edit" in page.url
        expect(page.locator("li.photo-item")).to_have_count(2)
        expect(page.locator("li.photo-item").first.locator(".photo-cover-badge")).to_be_visible()
    finally:
        context.close()


def login_plain(page) -> None:
    page.goto("/login")
    page.get_by_label("E-post").fill(OFFICE)
    page.get_by_label("Passord").fill("kretslop-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
