"""Components from a consultant's spreadsheet: real CSV files (semicolon and comma, UTF-8
with BOM, Windows-1252) and real XLSX files (openpyxl) through the upload, the column
mapping and the import; all or nothing; who may import; the templates."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from app.db import commit, db
from app.projects.models import Component

CONSULTANT_HEADER = ["NS3451", "Komponent", "Beskrivelse", "Antall", "Enhet",
                     "Vekt per enhet (kg)", "Dimensjon", "Materiale", "Tilstand", "Etasje",
                     "Rom", "Tegningsref", "Egnethet", "Begrunnelse", "Miljøgifter",
                     "Kategori", "Intern merknad"]


def _consultant_row(i: int) -> list[str]:
    """Three kinds of rows as consultants type them (bokmål words, decimal comma)."""
    if i % 3 == 0:
        return ["234 Vinduer", f"Vindu {i}", "Tolags glass", "4", "stk", "32,5",
                "1200 x 1500", "Tre", "god", "2", f"Kontor {i}", f"A-{i}", "egnet", "", "",
                "window", "ok"]
    if i % 3 == 1:
        return ["252", f"Parkett {i}", "", "12,5", "m²", "8", "", "Eik", "brukbar", "1",
                "Kantine", "", "egnet etter utbedring", "Må slipes", "ingen", "", ""]
    return ["25", f"Vinylbelegg {i}", "", "30", "m2", "2,8", "", "Vinyl", "til deler", "U1",
            "Lager", "", "ikke egnet", "Asbestholdig lim", "asbest, PCB", "", ""]


def _csv(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows: list[list], text_cells: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if text_cells:  # a cell typed as text although it starts with "="
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count(project) -> int:
    return db.session.scalar(db.select(db.func.count(Component.id))
                             .where(Component.project_id == project.id))


def _upload(client, auth, project, data: bytes, filename: str):
    return client.post(f"/prosjekter/{project.id}/import",
                       data={"csrf_token": auth.csrf(f"/prosjekter/{project.id}/import"),
                             "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _mapping(page: str) -> dict[int, str]:
    """The pre-chosen field of each column on the mapping page ('' = not imported)."""
    chosen = {}
    for index, body in re.findall(r'<select[^>]*name="kolonne-(\d+)">(.*?)</select>', page,
                                  re.S):
        found = re.search(r'<option value="([a-z_]*)" selected>', body)
        chosen[int(index)] = found.group(1) if found else ""
    return chosen


def _token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return re.search(r"fil=([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)


def _send_mapping(client, auth, project, token: str, mapping: dict[int, str]):
    data = {"csrf_token": auth.csrf(f"/prosjekter/{project.id}/import"), "fil": token}
    data.update({f"kolonne-{i}": name for i, name in mapping.items()})
    return client.post(f"/prosjekter/{project.id}/import", data=data)


def _upload_and_map(client, auth, project, data: bytes, filename: str):
    token = _token(_upload(client, auth, project, data, filename))
    page = client.get(f"/prosjekter/{project.id}/import?fil={token}")
    assert page.status_code == 200
    return token, page.get_data(as_text=True)


def test_200_rows_from_a_semicolon_csv_with_bom_import_with_the_guessed_mapping(
        app, world, client, auth):
    auth.login("kari@radgiver.no")  # the consultant partner imports
    project = world.project
    rows = [CONSULTANT_HEADER, *[_consultant_row(i) for i in range(200)]]
    token, page = _upload_and_map(client, auth, project, _csv(rows), "kartlegging.csv")
    assert "kartlegging.csv" in html.unescape(page) and "200 rader" in page
    assert _mapping(page) == {
        0: "building_part", 1: "name", 2: "description", 3: "quantity", 4: "unit",
        5: "unit_weight_kg", 6: "dimensions", 7: "material", 8: "condition", 9: "floor",
        10: "room", 11: "drawing_mark", 12: "suitability", 13: "suitability_reason",
        14: "hazards", 15: "category", 16: ""}
    started = time.perf_counter()
    response = _send_mapping(client, auth, project, token, _mapping(page))
    elapsed = time.perf_counter() - started
    print(f"\n200 rows imported in {elapsed:.2f} s")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/prosjekter/{project.id}/komponenter")
    assert elapsed < 10
    assert _count(project) == 200
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "200 komponenter importert." in listing
    by_name = {c.name: c for c in db.session.scalars(
        db.select(Component).where(Component.project_id == project.id))}
    window, parquet, vinyl = by_name["Vindu 0"], by_name["Parkett 1"], by_name["Vinylbelegg 2"]
    assert (window.building_part, window.unit, window.unit_weight_kg, window.condition,
            window.suitability, window.category.slug, window.room) == (
        "234", "pcs", Decimal("32.5"), "good", "suitable", "window", "Kontor 0")
    assert window.total_kg == 130
    assert (parquet.quantity, parquet.unit, parquet.suitability, parquet.hazards,
            parquet.condition) == (Decimal("12.5"), "m2", "after_work", [], "fair")
    assert (vinyl.unit, vinyl.suitability, vinyl.hazards, vinyl.suitability_reason,
            vinyl.condition, vinyl.floor) == ("m2", "not_suitable", ["asbestos", "pcb"],
                                              "Asbestholdig lim", "for_parts", "U1")
    assert vinyl.created_by_id == world.consultant.id
    # The stored file is gone: the same token cannot import the rows a second time.
    again = _send_mapping(client, auth, project, token, _mapping(page))
    assert again.status_code == 422 and "Last den opp på nytt" in again.get_data(as_text=True)
    assert _count(project) == 200


def test_a_windows_1252_comma_csv_with_other_words(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    rows = [["Bygningsdel", "Betegnelse", "Mengde", "Enh", "Vekt", "Tilstand", "Egnethet"],
            ["244", "Dør, hvit, glatt", "7", "Stk", "25", "God", "Egnet"],
            ["232", "Kjøkkenbenk i bøk", "6,5", "lm", "", "Som ny", "egnet etter utbedring"]]
    token, page = _upload_and_map(client, auth, project, _csv(rows, ",", "cp1252"), "a.csv")
    assert "Dør, hvit, glatt" in html.unescape(page)  # the first row is shown
    response = _send_mapping(client, auth, project, token, _mapping(page))
    assert response.status_code == 303
    door, bench = db.session.scalars(db.select(Component).where(
        Component.project_id == project.id).order_by(Component.id)).all()
    assert (door.name, door.quantity, door.unit, door.unit_weight_kg, door.condition) == (
        "Dør, hvit, glatt", 7, "pcs", 25, "good")
    assert (bench.name, bench.quantity, bench.unit, bench.unit_weight_kg, bench.condition,
            bench.suitability) == ("Kjøkkenbenk i bøk", Decimal("6.5"), "m", None,
                                   "like_new", "after_work")


def test_an_xlsx_with_three_bad_rows_imports_nothing_and_shows_the_three(app, world, client,
                                                                         auth):
    auth.login("medlem@riving.no")
    project = world.project
    rows = [CONSULTANT_HEADER, *[_consultant_row(i) for i in range(40)]]
    rows[5][0] = "99"                # row 6: no such building part
    rows[11][3] = "-2"               # row 12: a negative quantity
    rows[21][12] = "kanskje"         # row 22: an unknown suitability
    rows = [rows[0], *[[float(c.replace(",", ".")) if n in (3, 5) and c and c != "-2"
                        else c for n, c in enumerate(r)] for r in rows[1:]]]  # numbers
    token, page = _upload_and_map(client, auth, project, _xlsx(rows), "kartlegging.xlsx")
    response = _send_mapping(client, auth, project, token, _mapping(page))
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "Ingenting ble importert" in text and "3 rader har feil." in text
    errors = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", text)
    assert [(row, column) for row, column, _m in errors] == [
        ("6", "NS3451"), ("12", "Antall"), ("22", "Egnethet")]
    assert "Ukjent bygningsdel «99»" in errors[0][2]
    assert "større enn 0" in errors[1][2] and "Ukjent egnethet" in errors[2][2]
    assert _count(project) == 0
    # The mapping is shown again with the same choices, so the person can try again.
    assert _mapping(text)[0] == "building_part" and f'value="{token}"' in text


def test_changing_the_mapping_moves_the_columns_and_a_missing_field_is_asked_for(
        app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    rows = [["Komponent", "Beskrivelse", "Antall", "NS3451", "Kommentar"],
            ["Dør", "Innerdør eik", "3", "244", "fra 2. etg"]]
    token, page = _upload_and_map(client, auth, project, _csv(rows), "bytt.csv")
    guessed = _mapping(page)
    assert guessed == {0: "name", 1: "description", 2: "quantity", 3: "building_part",
                       4: ""}  # "Kommentar" after "Beskrivelse": a field is chosen once
    # Both columns as the name: asked to choose one; without quantity: asked for it.
    response = _send_mapping(client, auth, project, token,
                             {0: "name", 1: "name", 2: "", 3: "building_part"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "«Komponent» er valgt for flere kolonner" in text
    assert "Velg hvilken kolonne som er «Antall»" in text
    assert _count(project) == 0
    # Back to the mapping: the description column becomes the name, and the other way.
    response = _send_mapping(client, auth, project, token,
                             {0: "description", 1: "name", 2: "quantity", 3: "building_part",
                              4: "room"})
    assert response.status_code == 303
    component = db.session.scalar(db.select(Component).where(
        Component.project_id == project.id))
    assert (component.name, component.description, component.room) == (
        "Innerdør eik", "Dør", "fra 2. etg")


def test_a_formula_is_text_and_never_run(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    formula = '=HYPERLINK("http://evil.example/x","klikk")'
    rows = [["Bygningsdel", "Komponent", "Antall", "Beskrivelse"],
            ["244", "Dør", "1", formula]]
    for data, name in ((_csv(rows), "f.csv"), (_xlsx(rows, text_cells=True), "f.xlsx")):
        token, page = _upload_and_map(client, auth, project, data, name)
        assert _send_mapping(client, auth, project, token, _mapping(page)).status_code == 303
    saved = db.session.scalars(db.select(Component.description).where(
        Component.project_id == project.id)).all()
    assert saved == [formula, formula]
    # An XLSX formula cell (not text) is read as its stored value, never calculated: with
    # no stored value the cell is empty, so the required name is missing.
    rows = [["Bygningsdel", "Komponent", "Antall"], ["244", "=CONCAT(\"D\",\"ør\")", "1"]]
    token, page = _upload_and_map(client, auth, project, _xlsx(rows), "g.xlsx")
    response = _send_mapping(client, auth, project, token, _mapping(page))
    assert response.status_code == 422 and "Skriv hva komponenten er" in response.get_data(
        as_text=True)
    assert _count(project) == 2


def test_files_that_cannot_be_used_are_refused_at_upload(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    too_many = [["Bygningsdel", "Komponent", "Antall"], *[["244", "Dør", "1"]] * 2001]
    response = _upload(client, auth, project, _csv(too_many), "stor.csv")
    assert response.status_code == 413
    assert "flere enn 2000 rader" in html.unescape(response.get_data(as_text=True))
    response = _upload(client, auth, project, b"PK\x03\x04 ikke en zip", "x.xlsx")
    assert response.status_code == 422
    assert "Kunne ikke lese XLSX-filen" in response.get_data(as_text=True)
    response = _upload(client, auth, project, _csv([["Bygningsdel", "Komponent"]]), "t.csv")
    assert response.status_code == 422
    assert "ingen rader" in response.get_data(as_text=True)
    response = client.post(f"/prosjekter/{project.id}/import",
                           data={"csrf_token": auth.csrf(f"/prosjekter/{project.id}/import")})
    assert response.status_code == 422 and "Velg en CSV- eller XLSX-fil" in \
        response.get_data(as_text=True)
    assert _count(project) == 0


def test_the_stored_file_belongs_to_its_uploader_and_project(app, world, client, auth, make):
    auth.login("kari@radgiver.no")
    project = world.project
    rows = [["Bygningsdel", "Komponent", "Antall"], ["244", "Dør", "1"]]
    token, page = _upload_and_map(client, auth, project, _csv(rows), "a.csv")
    other = make.project(world.firm, world.owner, name="Et annet prosjekt")
    auth.logout()
    auth.login("medlem@riving.no")  # the owner's member may import, but not Kari's file
    for target in (project, other):
        response = _send_mapping(client, auth, target, token, _mapping(page))
        assert response.status_code == 422
        assert "Last den opp på nytt" in response.get_data(as_text=True)
    assert _count(project) == 0
    response = _send_mapping(client, auth, project, "../../etc/passwd" + "x" * 16,
                             {0: "building_part"})
    assert response.status_code == 422


def test_who_may_import(app, world, client, auth):
    project = world.project
    url = f"/prosjekter/{project.id}/import"
    auth.login("saksbehandler@asker.kommune.no")  # sees the project as its municipality
    assert client.get(url).status_code == 403
    assert client.get(f"{url}/mal.csv").status_code == 200
    auth.logout()
    auth.login("ola@annen.no")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/mal.xlsx").status_code == 404
    auth.logout()
    auth.login("kari@radgiver.no")
    assert client.get(url).status_code == 200
    from app.projects.services import complete_project

    complete_project(project)
    commit()
    assert client.get(url).status_code == 409
    rows = [["Bygningsdel", "Komponent", "Antall"], ["244", "Dør", "1"]]
    assert _upload(client, auth, project, _csv(rows), "a.csv").status_code == 409
    assert _count(project) == 0


def test_the_templates_have_our_headers_two_examples_and_import_as_they_are(
        app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    csv_file = client.get(f"/prosjekter/{project.id}/import/mal.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and rows[0][:3] == ["Bygningsdel (NS 3451)", "Komponent",
                                              "Beskrivelse"]
    xlsx_file = client.get(f"/prosjekter/{project.id}/import/mal.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.data)).active
    assert [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)] == rows
    assert client.get(f"/prosjekter/{project.id}/import/mal.pdf").status_code == 404
    for data, name in ((csv_file.data, "mal.csv"), (xlsx_file.data, "mal.xlsx")):
        token, page = _upload_and_map(client, auth, project, data, name)
        assert "" not in _mapping(page).values()  # every column recognised
        assert _send_mapping(client, auth, project, token, _mapping(page)).status_code == 303
    assert _count(project) == 4
    hazardous = db.session.scalars(db.select(Component).where(
        Component.project_id == project.id, Component.name == "Gulvbelegg, vinyl")).all()
    assert [c.hazards for c in hazardous] == [["asbestos"], ["asbestos"]]


def test_an_old_upload_expires_and_is_swept_away(app, world, client, auth, monkeypatch):
    from pathlib import Path

    from app.projects import importing

    auth.login("medlem@riving.no")
    project = world.project
    rows = [["Bygningsdel", "Komponent", "Antall"], ["244", "Dør", "1"]]
    token, page = _upload_and_map(client, auth, project, _csv(rows), "a.csv")
    folder = Path(app.config["INSTANCE_DIR"]) / "project-imports"
    assert sorted(p.name for p in folder.iterdir()) == [f"{token}.data", f"{token}.json"]
    monkeypatch.setattr(importing, "MAX_AGE", -1)  # everything stored is now too old
    response = _send_mapping(client, auth, project, token, _mapping(page))
    assert response.status_code == 422 and "Last den opp på nytt" in response.get_data(
        as_text=True)
    assert _count(project) == 0
    newer = _token(_upload(client, auth, project, _csv(rows), "b.csv"))
    assert sorted(p.name for p in folder.iterdir()) == [f"{newer}.data", f"{newer}.json"]


def test_only_the_first_100_errors_are_listed_with_the_count(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    rows = [["Bygningsdel", "Komponent", "Antall"], *[["244", f"Dør {i}", "null"]
                                                      for i in range(150)]]
    token, page = _upload_and_map(client, auth, project, _csv(rows), "a.csv")
    response = _send_mapping(client, auth, project, token, _mapping(page))
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "150 rader har feil." in text
    assert "Viser de første 100 av 150 feil." in text
    listed = re.findall(r"<tr><td>(\d+)</td><td>Antall</td>", text)
    assert listed == [str(n) for n in range(2, 102)]
    assert _count(project) == 0


def test_the_english_template_is_recognised_in_either_language(app, world, client, auth):
    """The template's headers follow the reader's language; the importer knows our labels
    in every language of the site, so a template downloaded in English maps itself."""
    auth.login("medlem@riving.no")
    project = world.project
    client.get("/?lang=en")
    data = client.get(f"/prosjekter/{project.id}/import/mal.csv").data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert header[1] == "Component" and header[0] != "Bygningsdel (NS 3451)"
    for lang in ("en", "nb"):
        client.get(f"/?lang={lang}")
        token, page = _upload_and_map(client, auth, project, data, "template.csv")
        assert "" not in _mapping(page).values()  # every column recognised
