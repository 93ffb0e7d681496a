"""Benchmark the TEK17 § 9-7 reuse mapping report: 500 components, each with a photo.

Builds, in a temporary SQLite database, a project with ``--components`` components spread
over NS 3451 building parts (nine in ten suitable, the rest not suitable with a reason
and a hazard), each with its own photo: an 800 x 600 JPEG made with Pillow and sent
through the real upload pipeline (``component_photos.add_photo``: checks, renditions,
files under MEDIA_ROOT by hash). Then, in the same process and interleaved, times:

* pdf: ``report_pdf.render`` - the whole report with a thumbnail per component;
* pdf_no_photos: the same report with MEDIA_ROOT pointed at an empty folder (every photo
  cell says the photo is missing), i.e. what the photos cost;
* xlsx: ``report_xlsx.render`` of the same project.

Prints median and p95 of each, the PDF's size and pages, and the ratios.

    .venv/bin/python bench/bench_project_pdf.py               # 500 components, 7 runs
    .venv/bin/python bench/bench_project_pdf.py --runs 11
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import cpu_model, percentile  # noqa: E402 - same helpers, same output
from PIL import Image  # noqa: E402

PARTS = ("221", "231", "234", "244", "252", "253", "263", "283", "321", "373")


def photo_jpeg(n: int, size=(800, 600)) -> bytes:
    """A different photo-like JPEG for each ``n`` (noise over a gradient)."""
    noise = Image.effect_noise(size, 30 + n % 40)
    gradient = Image.linear_gradient("L").resize(size).rotate(n % 360)
    image = Image.merge("RGB", (gradient, noise, Image.blend(noise, gradient, 0.5)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def build(count: int):
    from app.accounts.services import _new_user, add_member, create_organization
    from app.db import db
    from app.listings.categories import ensure_categories
    from app.projects import component_photos, services

    ensure_categories()
    org = create_organization("Bench Riving AS", "nonprofit")
    user = _new_user("bench@example.no", "Bench", "correct horse battery staple", locale="nb")
    db.session.flush()
    add_member(user, org, "owner")
    project = services.create_project(user, org, {
        "name": "Riving av Kunnskapsveien 1", "work_kind": "demolition",
        "address": "Kunnskapsveien 1", "postcode": "1383", "gnr": 41, "bnr": 118,
        "building_year": 1974, "former_use": "Kontorbygg", "area_m2": 5400,
        "mapping_date": "2026-11-20", "access_date": "2027-01-10",
        "demolition_start": "2027-02-01", "mapped_by": "Kari Kartlegger, Rådgiver AS"})
    db.session.commit()
    for n in range(count):
        bad = n % 10 == 9
        component, _new = services.create_component(project, user, {
            "building_part": PARTS[n % len(PARTS)], "name": f"Komponent {n:03d} – dør/vindu",
            "quantity": 1 + n % 20, "unit": "pcs", "unit_weight_kg": 5 + n % 40,
            "category": "door", "condition": "good", "material": "Eik, æøå",
            "dimensions": "900 x 2100 mm", "floor": str(n % 6), "room": f"Rom {n % 30}",
            "suitability": "not_suitable" if bad else "suitable",
            "suitability_reason": "Skadet ved demontering" if bad else "",
            "hazards": ["pcb"] if bad else []})
        component_photos.add_photo(component, io.BytesIO(photo_jpeg(n)), f"{n}.jpg",
                                   "image/jpeg")
        if n % 50 == 49:
            db.session.commit()
    db.session.commit()
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from app import create_app
    from app.db import db
    from app.projects import report_pdf, report_xlsx

    workdir = Path(tempfile.mkdtemp(prefix="bench-project-pdf-"))
    media, empty = workdir / "media", workdir / "empty"
    empty.mkdir()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
                      "INSTANCE_DIR": str(workdir), "MEDIA_ROOT": str(media),
                      "JOBS_MODE": "inline", "TESTING": False, "RATELIMIT_ENABLED": False})
    print(f"machine: nproc={os.cpu_count()}, CPU={cpu_model()}, Python "
          f"{platform.python_version()}, ReportLab {report_pdf.reportlab.Version}")
    with app.app_context():
        db.metadata.create_all(db.engine)
        start = time.perf_counter()
        project = build(args.components)
        project_id = project.id
        print(f"set-up: {args.components} components with a photo each through the upload "
              f"pipeline in {time.perf_counter() - start:.1f} s")
        db.session.remove()

    def pdf() -> bytes:
        with app.test_request_context():
            return report_pdf.render(db.session.get(report_pdf.Project, project_id))

    def xlsx() -> bytes:
        with app.test_request_context():
            return report_xlsx.render(db.session.get(report_pdf.Project, project_id))

    def pdf_no_photos() -> bytes:
        app.config["MEDIA_ROOT"] = str(empty)
        try:
            return pdf()
        finally:
            app.config["MEDIA_ROOT"] = str(media)

    start_load = f"{os.getloadavg()[0]:.1f}"
    cases = {"pdf": pdf, "pdf_no_photos": pdf_no_photos, "xlsx": xlsx}
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    sizes: dict[str, int] = {}
    for run in range(args.runs + 1):  # the first round warms up and is not counted
        for name, fn in cases.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            body = fn()
            elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
            if run:
                times[name].append(elapsed)
                cpu[name].append(used)
            sizes[name] = len(body)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf()))
    images = sum(len(page.images) for page in reader.pages)
    print(f"PDF: {len(reader.pages)} pages, {images} photos, {sizes['pdf'] / 1e6:.1f} MB "
          f"(without photos {sizes['pdf_no_photos'] / 1e6:.2f} MB); "
          f"XLSX {sizes['xlsx'] / 1e3:.0f} kB")
    for name, values in times.items():
        print(f"  {name:14} median {statistics.median(values):6.3f} s  "
              f"p95 {percentile(values, 0.95):6.3f} s  ({args.runs} runs; CPU time median "
              f"{statistics.median(cpu[name]):6.3f} s: the wall time less waiting for a "
              f"core on a busy machine)")
    ratio = statistics.median(times["pdf"]) / statistics.median(times["pdf_no_photos"])
    print(f"  pdf / pdf_no_photos: {ratio:.2f}x;  pdf / xlsx: "
          f"{statistics.median(times['pdf']) / statistics.median(times['xlsx']):.1f}x")
    goal = statistics.median(times["pdf"]) < 10
    print(f"load average before/after: {start_load} / {os.getloadavg()[0]:.1f}")
    print(f"goal (< 10 s for {args.components} components with photos): "
          f"{'met' if goal else 'MISSED'}")


if __name__ == "__main__":
    main()
