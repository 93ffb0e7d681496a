"""Bulk imports too large for one request, run as a job with its progress on a page.

The page saves the upload under ``IMPORT_DIR`` and writes an :class:`ImportJob` row and
a ``listings.import`` outbox event in the request's transaction. The handler (an RQ
worker; in the inline mode the serving process's retry thread, woken at once, or right
after the commit where no such thread runs, as in tests and the command line) reads the
file with the same bounds as the page, then checks and writes the rows in batches of
``JOB_BATCH``; each batch commits its listings together with the job's progress
(``processed_rows``, ``created_count``, errors). The progress update is conditional on
the count the batch started from, so two deliveries of the same event never write a
batch twice, and a delivery that died part way resumes after the last committed batch.
The file is removed when the job is done.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import jobs, outbox
from app.accounts.models import Organization, User
from app.db import commit, db, rollback, utcnow
from app.listings import importer
from app.listings.models import ImportJob, ImportJobStatus

TOPIC = "listings.import"
# In the embedded (inline) setup a serving process runs imports on its retry thread, so
# the upload's answer (the progress page) does not wait for the whole import.
jobs.run_in_background(TOPIC)
JOB_BATCH = 250
#: Row errors kept on a job (the count of failed rows is always exact).
MAX_STORED_ERRORS = 1000
FINISHED = {ImportJobStatus.DONE.value, ImportJobStatus.FAILED.value}


def directory() -> Path:
    path = Path(current_app.config["IMPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(data: bytes, filename: str, organization: Organization, user: User | None,
          publish: bool, total_rows: int) -> ImportJob:
    """Save the upload and queue its import (flushes, never commits)."""
    suffix = ".xlsx" if importer.is_xlsx(data) else ".csv"
    path = directory() / f"{secrets.token_hex(16)}{suffix}"
    path.write_bytes(data)
    job = ImportJob(organization_id=organization.id,
                    created_by_id=user.id if user else None,
                    filename=(filename or "")[:255], file_path=str(path), publish=publish,
                    status=ImportJobStatus.QUEUED.value, total_rows=total_rows,
                    processed_rows=0, created_count=0, errors=[])
    db.session.add(job)
    db.session.flush()
    outbox.emit(TOPIC, job_id=job.id)
    return job


def failed_rows(job: ImportJob) -> int:
    """Rows looked at that did not become a listing."""
    return max(job.processed_rows - job.created_count, 0)


def percent(job: ImportJob) -> int:
    if job.status == ImportJobStatus.DONE.value or not job.total_rows:
        return 100 if job.status == ImportJobStatus.DONE.value else 0
    return min(100, job.processed_rows * 100 // job.total_rows)


@outbox.handler(TOPIC, name="listings.import")
def run(payload: dict[str, Any]) -> None:
    job = db.session.get(ImportJob, int(payload["job_id"]))
    if job is None or job.status in FINISHED:
        return
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        _run(job, user)


def _run(job: ImportJob, user: User | None) -> None:
    job_id = job.id
    path = Path(job.file_path)
    try:
        data = path.read_bytes()
    except OSError:
        _fail(job_id, _("Den opplastede filen finnes ikke lenger. Last den opp på nytt."))
        return
    try:
        table = importer.read(data, limits=importer.Limits.current())
    except importer.FileRejected as exc:
        _fail(job_id, str(exc))
        return
    del data
    if job.status == ImportJobStatus.QUEUED.value:
        db.session.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == ImportJobStatus.QUEUED.value)
            .values(status=ImportJobStatus.RUNNING.value, started_at=utcnow(),
                    total_rows=len(table.rows)))
        commit()
    organization = db.session.get(Organization, job.organization_id)
    done = job.processed_rows
    while done < len(table.rows):
        batch = importer.Table(table.columns, table.shown, [],
                               table.rows[done:done + JOB_BATCH])
        result = importer.import_table(batch, organization, user, publish=job.publish)
        errors = list(job.errors or [])
        room = MAX_STORED_ERRORS - len(errors)
        errors.extend({"row": e.row, "column": e.column, "message": e.message}
                      for e in result.errors[:max(room, 0)])
        moved = db.session.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.processed_rows == done)
            .values(processed_rows=done + len(batch.rows),
                    created_count=ImportJob.created_count + result.created, errors=errors)
        ).rowcount
        if not moved:  # another delivery wrote this batch: leave the job to it
            rollback()
            return
        commit()
        db.session.refresh(job)
        done = job.processed_rows
    job.status = ImportJobStatus.DONE.value
    job.finished_at = utcnow()
    commit()
    path.unlink(missing_ok=True)


def _fail(job_id: int, message: str) -> None:
    rollback()
    job = db.session.get(ImportJob, job_id)
    job.status = ImportJobStatus.FAILED.value
    job.finished_at = utcnow()
    job.errors = [{"row": None, "column": "", "message": message}]
    commit()
    Path(job.file_path).unlink(missing_ok=True)
