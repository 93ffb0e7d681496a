"""The running project report: mapped vs reusable vs published vs reserved vs handed over,
the ledger's records tagged with the project, a reversal that nets out, and who sees it."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.db import commit, db
from app.exchange.models import ReuseRecord
from app.projects import progress


def test_the_handover_is_in_the_ledger_with_the_project_and_the_report(world, handed_over,
                                                                       client, auth):
    record, listing, _shop = handed_over
    assert record is not None and record.project_id == world.project.id
    assert record.listing_id == listing.id and record.kg == Decimal(100)
    figures = progress.progress(world.project.id)
    assert figures.totals["mapped"].kg == Decimal(780)  # 12 x 25 + 40 x 12
    assert figures.totals["reusable"].kg == figures.totals["published"].kg == Decimal(300)
    assert figures.totals["handed_over"].kg == Decimal(100)
    auth.login("medlem@riving.no")
    page = client.get(f"/prosjekter/{world.project.id}/rapport")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<dd id="achieved-kg">100\xa0kg</dd>' in html
    assert "Omigjen" in html and "overlevering" in html
    assert "24 Innervegger" in html or "24 " in html  # the building part's row
    assert "Byggematerialer og byggevarer" in html  # the EU category's label
    assert 'data-label="Overlevert"' in html  # tables stack at 390 px


def test_a_reversal_nets_out(world, make, handed_over, client, auth):
    from app.exchange import ledger
    from app.projects.models import Project

    record, _listing, shop = handed_over
    site_admin = make.user(None, site_admin=True)
    ledger.reverse(record, site_admin, "Feil mottaker")
    commit()
    rows = db.session.scalars(sa.select(ReuseRecord).where(
        ReuseRecord.project_id == world.project.id)).all()
    assert sorted(r.kind for r in rows) == ["handover", "reversal"]
    assert progress.progress(world.project.id).totals["handed_over"].kg == 0
    auth.login("medlem@riving.no")
    html = client.get(f"/prosjekter/{world.project.id}/rapport").get_data(as_text=True)
    assert '<dd id="achieved-kg">0\xa0kg</dd>' in html and "reversering" in html
    assert db.session.get(Project, world.project.id) is not None


def test_who_sees_the_report(world, client, auth):
    url = f"/prosjekter/{world.project.id}/rapport"
    for email, status in (("eier@riving.no", 200), ("kari@radgiver.no", 200),
                          ("saksbehandler@asker.kommune.no", 200), ("ola@annen.no", 404),
                          ("fake@selvlaget.no", 404)):
        client.get("/logout")
        auth.login(email)
        assert client.get(url).status_code == status, email
    client.get("/logout")
    assert client.get(url).status_code != 200


def test_an_empty_project_reports_without_figures(world, client, auth):
    auth.login("eier@riving.no")
    html = client.get(f"/prosjekter/{world.project.id}/rapport").get_data(as_text=True)
    assert "Ingen komponenter er kartlagt ennå." in html
    assert "Ingen overleveringer er registrert ennå." in html
