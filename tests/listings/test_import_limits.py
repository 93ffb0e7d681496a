"""Issue #14 item 9, imports: bounds checked before the work starts (XLSX parts, the
declared dimension, columns, rows, CSV lines), clear 413s naming the limit on the page,
and imports above IMPORT_INLINE_ROWS run as a job with a progress page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.listings import import_jobs, importer
from app.listings.models import ImportJob, Listing
from tests.listings import xlsx_files


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "IMPORT_DIR": str(tmp_path / "imports")}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Listing.id)))


def _rejected(data: bytes) -> importer.FileRejected:
    with pytest.raises(importer.FileRejected) as caught:
        importer.read(data)
    return caught.value


# --- bounds ------------------------------------------------------------------------


def test_a_sheet_declaring_16384_columns_is_refused_before_any_row(app):
    """The issue's file: 10,000 honest rows under <dimension ref="A1:XFD1048576"/>; read
    as before, openpyxl padded each row to 16,384 cells (12.8 s, 1.26 GB here)."""
    data = xlsx_files.wide_dimension()
    assert len(data) < 300_000
    error = _rejected(data)
    assert error.status == 413
    assert "16384 kolonner; grensen er 100" in str(error)


def test_a_sheet_declaring_a_million_rows_is_refused(app):
    error = _rejected(xlsx_files.tall_dimension())
    assert error.status == 413 and "1048576 rader; grensen er 10000" in str(error)


def test_rows_are_counted_while_reading_when_the_dimension_is_missing(app):
    """No dimension and one cell in row 1,048,576: openpyxl would make a million empty
    rows; reading stops one row past header + IMPORT_MAX_ROWS + the blank allowance."""
    error = _rejected(xlsx_files.far_row())
    assert error.status == 413 and "flere enn 10000 rader" in str(error)
    # The same rows with a lower limit: the file's honest part alone is over it.
    with pytest.raises(importer.FileRejected):
        importer.read(xlsx_files.workbook(6), limits=importer.Limits(max_rows=5))
    assert len(importer.read(xlsx_files.workbook(5),
                             limits=importer.Limits(max_rows=5)).rows) == 5


@pytest.mark.parametrize(("build", "words"), [
    (xlsx_files.shared_strings_bomb, "«xl/sharedStrings.xml» i XLSX-filen er 40 MB "
                                     "utpakket; grensen er 32 MB"),
    (xlsx_files.styles_bomb, "«xl/styles.xml» i XLSX-filen er 12 MB utpakket; grensen er "
                             "8 MB"),
], ids=["shared-strings", "styles"])
def test_parts_too_large_uncompressed_are_refused_before_openpyxl_opens_them(app, build,
                                                                             words):
    data = build()
    assert len(data) < 200_000  # small on disk
    error = _rejected(data)
    assert error.status == 413 and words in str(error)


def test_the_limits_follow_the_settings(app):
    app.config.update(IMPORT_MAX_COLUMNS=5, IMPORT_MAX_XML_BYTES=4096)
    limits = importer.Limits.current()
    assert (limits.max_columns, limits.max_xml_bytes, limits.other_part_bytes) == (5, 4096,
                                                                                    1024)
    error = _rejected(xlsx_files.workbook(2))
    assert error.status == 413
    assert "«xl/theme/theme1.xml» i XLSX-filen er 10 KB utpakket; grensen er 1 KB" in str(error)


def test_only_the_mapped_columns_of_a_row_are_kept(app):
    header = xlsx_files.HEADER + [f"ekstra {n}" for n in range(60)]
    body = ";".join(header) + "\n" + ";".join(
        [str(v) for v in xlsx_files.row(1)] + ["x"] * 60) + "\n"
    table = importer.read(body.encode())
    assert len(table.rows) == 1 and len(table.rows[0][1]) == len(xlsx_files.HEADER)
    assert len(table.notices) == 60


def test_csv_with_too_many_columns_or_an_endless_line_is_refused(app):
    wide = (";".join(xlsx_files.HEADER + [f"k{n}" for n in range(200)]) + "\n").encode()
    error = _rejected(wide)
    assert error.status == 413 and "207 kolonner; grensen er 100" in str(error)
    endless = (";".join(xlsx_files.HEADER) + "\n" + ";" * 3_000_000 + "\n").encode()
    error = _rejected(endless)
    assert error.status == 413 and "lengre enn 1000000 tegn" in str(error)


def test_the_page_answers_413_with_the_limit_at_the_file_field(client, auth, owner):
    auth.login(owner.user.email)
    response = _post(client, auth, owner, xlsx_files.wide_dimension(2_000), "stor.xlsx")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "16384 kolonner; grensen er 100" in html
    assert re.search(r'aria-describedby="[^"]*file', html)
    assert _count() == 0


# --- jobs --------------------------------------------------------------------------


def _post(client, auth, owner, data: bytes, name: str, **fields):
    token = auth.csrf("/listings/import")
    return client.post("/listings/import", content_type="multipart/form-data", data={
        "csrf_token": token, "organization_id": str(owner.org.id),
        "file": (io.BytesIO(data), name), **fields})


def test_a_large_import_runs_as_a_job_and_its_page_shows_the_result(app, client, auth,
                                                                     owner, monkeypatch):
    app.config["IMPORT_INLINE_ROWS"] = 5
    monkeypatch.setattr(import_jobs, "JOB_BATCH", 4)
    auth.login(owner.user.email)
    response = _post(client, auth, owner, xlsx_files.workbook(12, bad_every=6),
                     "annonser.xlsx", publish="y")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/listings/import/\d+", location)
    job = db.session.scalar(sa.select(ImportJob))
    # Inline jobs: delivered right after the request's commit, in batches of 4.
    assert (job.status, job.total_rows, job.processed_rows, job.created_count) == (
        "done", 12, 12, 10)
    assert [(e["row"], e["column"]) for e in job.errors] == [(7, "kategori"),
                                                             (13, "kategori")]
    assert not Path(job.file_path).exists()
    assert db.session.scalar(sa.select(sa.func.count(Listing.id)).where(
        Listing.status == "published", Listing.organization_id == owner.org.id)) == 10
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "10 av 12 rader ble importert" in html and "2 rader har feil" in html
    assert "<td>7</td><td>kategori</td><td>Ukjent kategori «romskip»." in html
    assert 'http-equiv="refresh"' not in html


def test_small_imports_stay_in_the_request(app, client, auth, owner):
    auth.login(owner.user.email)
    response = _post(client, auth, owner, xlsx_files.workbook(3), "a.xlsx")
    assert response.status_code == 200 and "3 av 3 rader ble importert" in \
        response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ImportJob.id))) == 0


def test_a_running_job_shows_its_progress_and_refreshes(client, auth, owner, make):
    job = ImportJob(organization_id=owner.org.id, created_by_id=owner.user.id,
                    filename="stor.xlsx", status="running", total_rows=1000,
                    processed_rows=250, created_count=240, errors=[])
    db.session.add(job)
    commit()
    auth.login(owner.user.email)
    html = client.get(f"/listings/import/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'max="1000" value="250"' in html and "250 av 1000 rader behandlet" in html
    assert "<script" not in html.split("<main", 1)[1]
    outsider_org = make.org("business", name="Annen Bedrift AS")
    outsider = make.user(outsider_org, "owner")
    auth.logout()
    auth.login(outsider.email)
    assert client.get(f"/listings/import/{job.id}").status_code == 404
    assert client.get("/listings/import/999999").status_code == 404


def _queued_job(owner, rows: int, processed: int = 0, status: str = "running") -> ImportJob:
    """A job as the page leaves it, without its outbox event (run by hand here)."""
    directory = import_jobs.directory()
    path = directory / "handmade.xlsx"
    path.write_bytes(xlsx_files.workbook(rows))
    job = ImportJob(organization_id=owner.org.id, created_by_id=owner.user.id,
                    filename="handmade.xlsx", file_path=str(path), status=status,
                    total_rows=rows, processed_rows=processed, created_count=processed,
                    errors=[])
    db.session.add(job)
    commit()
    return job


def test_a_job_that_died_part_way_resumes_after_its_last_batch(app, owner, monkeypatch):
    monkeypatch.setattr(import_jobs, "JOB_BATCH", 4)
    job = _queued_job(owner, 10, processed=4)
    import_jobs.run({"job_id": job.id})
    db.session.refresh(job)
    assert (job.status, job.processed_rows, job.created_count) == ("done", 10, 10)
    assert sorted(db.session.scalars(sa.select(Listing.title))) == sorted(
        f"Kontorstol {n}" for n in range(5, 11))
    import_jobs.run({"job_id": job.id})  # delivered again: nothing more
    assert _count() == 6


def test_a_batch_another_delivery_wrote_is_not_written_twice(app, owner, monkeypatch):
    monkeypatch.setattr(import_jobs, "JOB_BATCH", 4)
    job = _queued_job(owner, 10)
    # Another delivery commits the first batch's progress after this one loaded the job.
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == job.id)
                       .values(processed_rows=4), execution_options={
                           "synchronize_session": False})
    assert job.processed_rows == 0
    import_jobs._run(job, owner.user)
    assert _count() == 0  # its batch lost the race and was rolled back


def test_a_job_whose_file_is_gone_or_now_refused_fails_with_the_reason(app, owner):
    job = _queued_job(owner, 3, status="queued")
    Path(job.file_path).unlink()
    import_jobs.run({"job_id": job.id})
    db.session.refresh(job)
    assert job.status == "failed" and "finnes ikke lenger" in job.errors[0]["message"]
    job = _queued_job(owner, 3, status="queued")
    Path(job.file_path).write_bytes(xlsx_files.wide_dimension(3))
    import_jobs.run({"job_id": job.id})
    db.session.refresh(job)
    assert job.status == "failed" and "grensen er 100" in job.errors[0]["message"]
    assert _count() == 0
