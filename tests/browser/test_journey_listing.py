"""Journey 1: an office registers its organisation, lists 40 office chairs with a photo
and publishes them; once with the mouse and once with the keyboard only."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.accounts.signup import wait_for_confirmation_path
from tests.browser.conftest import axe_violations, screenshot


def _photo(tmp_path):
    image = Image.new("RGB", (1600, 1200), (70, 90, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((500, 300, 1100, 900), fill=(20, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    path = tmp_path / "kontorstoler.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _register(page, live, suffix: str, orgnr: str) -> None:
    page.goto("/register")
    page.get_by_label("Ditt navn").fill("Ola Kontorsjef")
    page.get_by_label("E-post").fill(f"ola.{suffix}@kontor.no")
    page.get_by_label("Organisasjonens navn").fill(f"Billingstad Kontor {suffix} AS")
    page.get_by_label("Type organisasjon").select_option("business")
    page.get_by_label("Organisasjonsnummer").fill(orgnr)
    page.get_by_label("Postnummer").fill("1396")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrer").click()
    assert "Sjekk e-posten din" in page.content()
    page.goto(wait_for_confirmation_path(f"ola.{suffix}@kontor.no", live.env["MAIL_DIR"]))
    assert axe_violations(page) == []
    page.get_by_label("Passord (minst 10 tegn)").fill("et godt passord")  # chosen here
    with page.expect_navigation():
        page.get_by_role("button", name="Fullfør registreringen").click()
    assert "Organisasjonen er registrert" in page.content()


@pytest.mark.browser
def test_office_lists_forty_chairs_with_a_photo(page, live, tmp_path):
    _register(page, live, "mus", "984851006")
    page.goto("/listings/new")
    page.get_by_label("Tittel").fill("40 kontorstoler, svarte")
    page.get_by_label("Kategori").select_option("office-chair")
    page.get_by_label("Tilstand").select_option("good")
    page.get_by_label("Beskrivelse").fill("Kinnarps 6000, justerbare armlen. Hentes samlet.")
    page.get_by_label("Antall").fill("40")
    page.get_by_label("Postnummer for henting").fill("1396")
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre som utkast").click()
    page.get_by_label("Legg til bilde").set_input_files(str(_photo(tmp_path)))
    page.locator("li.photo-item").wait_for()  # uploaded as soon as it is chosen
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre endringer").click()
    assert page.locator("img[src*='/media/']").count() >= 1
    screenshot(page, "journey1-edit")
    with page.expect_navigation():
        page.get_by_role("button", name="Publiser").last.click()
    body = page.content()
    assert "40 kontorstoler, svarte" in body
    assert "Gratis" in body
    image = page.locator("img[src*='/media/']").first
    assert image.get_attribute("alt")
    screenshot(page, "journey1-published")
    assert axe_violations(page) == []


@pytest.mark.browser
def test_journey_one_with_the_keyboard_only(page, live, tmp_path):
    """Every step by Tab, typing and Enter; no clicks (the OS file dialog that Enter
    opens on the file field is answered through Playwright's file chooser)."""
    page.goto("/register")
    keyboard = page.keyboard

    def tab_to(label: str, limit: int = 60) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const e = document.activeElement; return (e.labels && e.labels[0] "
                "&& e.labels[0].innerText) || e.innerText || e.value || ''; }")
            if focused.strip().startswith(label):
                return
        raise AssertionError(f"could not reach {label!r} with Tab")

    for label, text in [("Ditt navn", "Kari Tastatur"), ("E-post", "kari.tast@kontor.no"),
                        ("Organisasjonens navn", "Tastatur Kontor AS"),
                        ("Organisasjonsnummer", "944382038"), ("Postnummer", "1396")]:
        tab_to(label)
        keyboard.type(text)
    tab_to("Registrer")
    with page.expect_navigation():
        keyboard.press("Enter")
    page.goto(wait_for_confirmation_path("kari.tast@kontor.no", live.env["MAIL_DIR"]))
    tab_to("Passord")  # the password is chosen on the page the e-mailed link opens
    keyboard.type("et godt passord")
    tab_to("Fullfør registreringen")
    with page.expect_navigation():
        keyboard.press("Enter")
    assert "Organisasjonen er registrert" in page.content()

    page.goto("/listings/new")
    tab_to("Tittel")
    keyboard.type("40 kontorstoler, grå")
    tab_to("Kategori")
    page.keyboard.type("Kontorstol")  # type-ahead selects the option in a focused select
    assert page.locator("#category").input_value() == "office-chair"
    tab_to("Antall")
    keyboard.type("40")
    tab_to("Postnummer for henting")
    keyboard.type("1396")
    tab_to("Lagre som utkast")
    with page.expect_navigation():
        keyboard.press("Enter")
    tab_to("Legg til bilde")
    assert page.evaluate("() => document.activeElement.type") == "file"
    try:
        with page.expect_file_chooser(timeout=5_000) as chooser:
            keyboard.press("Enter")
        chooser.value.set_files(str(_photo(tmp_path)))
    except PlaywrightTimeout:
        # Headless Chromium does not always open the OS dialog for a key press; the
        # field has the keyboard focus, so answer the dialog for that focused field.
        page.locator(":focus").set_input_files(str(_photo(tmp_path)))
    tab_to("Lagre endringer")  # the form waits for the photo's upload before it is sent
    with page.expect_navigation():
        keyboard.press("Enter")
    for _ in range(3):  # the page's publish button comes after the form's own
        tab_to("Publiser", limit=150)  # from the top: the whole form lies before it
        if page.evaluate("() => document.activeElement.closest('form').action")\
                .endswith("/publish"):
            break
    with page.expect_navigation():
        keyboard.press("Enter")
    assert "40 kontorstoler, grå" in page.content()
    screenshot(page, "journey1-keyboard")
