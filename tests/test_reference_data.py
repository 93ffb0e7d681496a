"""The README's production steps (`flask db upgrade` alone) give a working marketplace:
the categories and emission factors come with the schema, on SQLite and PostgreSQL."""

import sqlalchemy as sa

from app import create_app
from app.db import db
from app.exchange.models import EmissionFactor
from app.listings.models import Category
from tests.conftest import base_config
from tests.test_migrations import empty_database  # noqa: F401 - the fixture


def _counts():
    db.session.remove()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Category)),
            db.session.scalar(sa.select(sa.func.count()).select_from(EmissionFactor)))


def test_db_upgrade_alone_brings_categories_and_emission_factors(tmp_path, empty_database):  # noqa: F811
    app = create_app(base_config(tmp_path, empty_database))
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            categories, factors = _counts()
            assert categories > 20 and factors > 0
            office_chair = db.session.scalar(sa.select(Category).where(
                Category.slug == "office-chair"))
            assert office_chair is not None and office_chair.parent_id is not None

        # Someone can list at once: a user from the command line, a listing by the API.
        created = runner.invoke(args=["users", "create", "eier@example.no", "--password",
                                      "et langt passord", "--org", "Nesbru Kontor AS",
                                      "--org-kind", "business", "--orgnr", "984851006"])
        assert created.exit_code == 0, created.output
        token = runner.invoke(args=["tokens", "create", "eier@example.no"]).output.split()[-1]
        client = app.test_client()
        response = client.post("/api/v1/listings", headers={"Authorization": f"Bearer {token}"},
                               json={"title": "Kontorstoler", "category": "office-chair",
                                     "condition": "good", "quantity": 4, "unit": "pcs",
                                     "price_nok": 0, "postcode": "1383"})
        assert response.status_code == 201, response.get_json()
        page = client.get("/emission-factors").get_data(as_text=True)
        assert "WRAP" in page

        # A later release's category (here: one removed by hand) arrives with the next
        # upgrade; nothing is doubled.
        with app.app_context():
            db.session.execute(sa.delete(Category).where(Category.slug == "plants"))
            db.session.commit()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with app.app_context():
            assert _counts() == (categories, factors)
            assert db.session.scalar(sa.select(Category.id).where(Category.slug == "plants"))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
