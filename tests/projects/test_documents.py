"""The § 9-7 reuse mapping report: a real PDF read back with pypdf (every item the
regulation asks for, the photos embedded as the stored JPEG bytes, page numbers), the same
content as XLSX read back with openpyxl, and who may fetch them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.db import commit, db
from app.projects.component_photos import add_photo
from tests.listings.imaging import jpeg


def _photo(component, size=(640, 480)):
    add_photo(component, io.BytesIO(jpeg(size)), "foto.jpg", "image/jpeg")
    commit()


@pytest.fixture
def mapped(world, make):
    """Two suitable components with photos, one after work, two not suitable (asbestos,
    PCB)."""
    project = world.project
    doors = make.component(project, world.owner)  # 12 doors, 25 kg each, 244
    _photo(doors)
    windows = make.component(project, world.owner, building_part="234",
                             name="Vindu 12x15 «eik» – æøå", quantity=8, unit_weight_kg=32.5,
                             category="window", dimensions="1200 x 1500 mm", floor="1",
                             room="Kantine", drawing_mark="A-101 V3")
    _photo(windows, (480, 640))
    make.component(project, world.owner, building_part="252", name="Hulldekke",
                   quantity=140, unit="m2", unit_weight_kg=None, category="other",
                   suitability="after_work", suitability_reason="Må sages ut og testes")
    make.component(project, world.owner, building_part="253", name="Vinylbelegg",
                   quantity=300, unit="m2", unit_weight_kg=3, category="other",
                   suitability="not_suitable", suitability_reason="Limt fast, ødelegges",
                   hazards=["asbestos"])
    make.component(project, world.owner, building_part="234", name="Vinduer med PCB-lim",
                   quantity=4, unit_weight_kg=30, category="window", hazards=["pcb"],
                   suitability="not_suitable", suitability_reason="PCB i limet")
    return project


def _pdf(client, project) -> tuple[PdfReader, str]:
    response = client.get(f"/prosjekter/{project.id}/ombrukskartlegging.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert f'filename="ombrukskartlegging-{project.id}.pdf"' in \
        response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.replace("\xa0", " ").split())


def test_the_pdf_has_every_item_tek17_9_7_asks_for(app, world, client, auth, mapped):
    auth.login("eier@riving.no")
    reader, text = _pdf(client, mapped)
    # § 9-7 fifth paragraph: who mapped and when
    assert "Kari Kartlegger, Rådgiver AS" in text
    assert "20. november 2026" in text
    # the municipality (number and name) and gnr/bnr
    assert "3203 Asker" in text
    assert "41/118" in text
    # building year and former use
    assert "1974" in text and "Kontorbygg" in text
    # the components suitable for reuse, with amount and kind
    assert "Innerdør eik 9x21" in text and "12 stk" in text
    assert "Vindu 12x15 «eik» – æøå" in text and "8 stk" in text
    assert "1200 x 1500 mm" in text and "tegning: A-101 V3" in text
    # and the project facts around them
    for item in ("Rivning av Kunnskapsveien 1", "Kunnskapsveien 1", "Riving",
                 "10. januar 2027", "1. februar 2027", "Riving AS", "Rådgiver AS",
                 "Rådgiver (kartlegger)", "(TEK17) § 9-7", "NS 3451"):
        assert item in text, item
    # summary by building part with kilograms in Norwegian form: 12 x 25 + 8 x 32.5
    assert "24 Innervegger" in text or "244" in text
    assert "300 kg" in text and "260 kg" in text
    # not suitable: the reason and the hazard
    assert "Limt fast, ødelegges" in text and "Asbest" in text
    assert "Ikke egnet for ombruk (2)" in text and "PCB" in text
    assert "Komponenter og materialer egnet for ombruk (3)" in text
    assert "Må sages ut og testes" not in text.split("Ikke egnet for ombruk (2)")[1]
    # footer: page numbers and the generation date
    pages = len(reader.pages)
    assert f"Side 1 av {pages}" in text and f"Side {pages} av {pages}" in text
    assert "generert" in text
    assert reader.metadata.title == "Ombrukskartlegging – Rivning av Kunnskapsveien 1"


def test_the_photos_are_the_stored_thumbnails_embedded_as_they_are(app, world, client, auth,
                                                                   mapped):
    auth.login("kari@radgiver.no")  # a partner may read it too
    reader, _text = _pdf(client, mapped)
    embedded = []
    for page in reader.pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            stream = ref.get_object()
            if stream["/Subtype"] == "/Image":
                assert stream["/Filter"] in ("/DCTDecode", ["/DCTDecode"])
                embedded.append(stream._data)  # the raw stream, as written
    media = Path(app.config["MEDIA_ROOT"])
    thumbs = [(media / c.photos[0].thumb_path).read_bytes()
              for c in mapped.components if c.photos]
    assert len(thumbs) == 2
    assert sorted(embedded) == sorted(thumbs)  # JPEG bytes copied, not re-encoded


def test_a_project_without_components_renders(app, world, client, auth):
    auth.login("eier@riving.no")
    _reader, text = _pdf(client, world.project)
    assert "Ingen komponenter er kartlagt ennå." in text
    assert "Kari Kartlegger" in text and "41/118" in text
    response = client.get(f"/prosjekter/{world.project.id}/ombrukskartlegging.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Komponenter"]
    assert response.status_code == 200 and sheet.max_row == 2  # title and header only


def test_markup_and_norwegian_letters_in_names_render(app, world, client, auth, make):
    project = make.project(world.firm, world.owner, name="Bygg «<b>A&B</b>» æøå ÆØÅ",
                           mapped_by="Åse Ørn <ase@x.no> & co", fnr=2, snr=7)
    make.component(project, world.owner, name="Dør <script>&amp; «æøå»",
                   suitability_reason="x")
    auth.login("eier@riving.no")
    _reader, text = _pdf(client, project)
    assert "Bygg «<b>A&B</b>» æøå ÆØÅ" in text
    assert "Åse Ørn <ase@x.no> & co" in text
    assert "Dør <script>&amp; «æøå»" in text
    assert "41/118/2/7" in text


def test_a_long_list_splits_across_pages_with_its_header(app, world, client, auth, make):
    for i in range(60):
        make.component(world.project, world.owner, name=f"Dør nr {i:02d}")
    auth.login("eier@riving.no")
    reader, text = _pdf(client, world.project)
    assert len(reader.pages) >= 3
    assert all(f"Dør nr {i:02d}" in text for i in range(60))
    headers = sum("Plassering" in page.extract_text() for page in reader.pages)
    assert headers >= 2  # the header row repeats on the next page


def test_the_xlsx_has_the_same_content_with_numbers_as_numbers(app, world, client, auth,
                                                               mapped, make):
    make.component(mapped, world.owner, name="=HYPERLINK(\"http://x\")", material="@SUM(1)")
    auth.login("saksbehandler@asker.kommune.no")  # the municipality may read it
    response = client.get(f"/prosjekter/{mapped.id}/ombrukskartlegging.xlsx")
    assert response.status_code == 200
    assert f'ombrukskartlegging-{mapped.id}.xlsx' in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Prosjekt", "Sammendrag", "Komponenter"]
    facts = {row[0]: row[1] for row in wb["Prosjekt"].iter_rows(min_row=3, values_only=True)
             if row and row[0]}
    assert facts["Kartlagt av"] == "Kari Kartlegger, Rådgiver AS"
    assert facts["Dato for kartleggingen"].date() == date(2026, 11, 20)
    assert facts["Kommune"] == "3203 Asker"
    assert facts["Gårdsnummer/bruksnummer (gnr/bnr/fnr/snr)"] == "41/118"
    assert facts["Byggeår"] == 1974 and facts["Tidligere bruk"] == "Kontorbygg"
    summary = list(wb["Sammendrag"].iter_rows(min_row=3, values_only=True))
    total = summary[-1]
    assert total[1] == "Sum" and total[2] == 6 and isinstance(total[4], int | float)
    assert total[4] == pytest.approx(300 + 260 + 900 + 120 + 300)  # Hulldekke: no weight
    rows = list(wb["Komponenter"].iter_rows(min_row=3, values_only=True))
    by_name = {r[1]: r for r in rows}
    doors = by_name["Innerdør eik 9x21"]
    assert doors[5] == 12 and doors[8] == 300 and doors[14] == 1
    vinyl = by_name["Vinylbelegg"]
    assert vinyl[11] == "Ikke egnet" and vinyl[13] == "Asbest"
    formula = by_name['=HYPERLINK("http://x")']  # kept as text, not run as a formula
    assert formula[3] == "@SUM(1)"
    raw = load_workbook(io.BytesIO(response.data), data_only=False)["Komponenter"]
    assert all(cell.data_type != "f" for row in raw.iter_rows() for cell in row)


@pytest.mark.parametrize("email,status", [
    ("eier@riving.no", 200), ("medlem@riving.no", 200), ("kari@radgiver.no", 200),
    ("saksbehandler@asker.kommune.no", 200), ("ola@annen.no", 404),
    ("fake@selvlaget.no", 404)])
def test_who_may_fetch_the_report(app, world, client, auth, email, status):
    auth.login(email)
    for ext in ("pdf", "xlsx"):
        response = client.get(f"/prosjekter/{world.project.id}/ombrukskartlegging.{ext}")
        assert response.status_code == status, (email, ext)


def test_anonymous_is_sent_to_sign_in_and_a_missing_project_is_404(app, world, client, auth):
    response = client.get(f"/prosjekter/{world.project.id}/ombrukskartlegging.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("eier@riving.no")
    assert client.get("/prosjekter/999999/ombrukskartlegging.pdf").status_code == 404


def test_the_report_is_in_bokmal_for_an_english_reader(app, world, client, auth, mapped):
    world.owner.locale = "en"
    db.session.commit()
    auth.login("eier@riving.no")
    _reader, text = _pdf(client, mapped)
    assert "Kartlagt av" in text and "Egnet for ombruk" in text and "20. november 2026" in text
