"""Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.db import db
from tests.conftest import _drop_postgres_database, _postgres_scratch_database, base_config


@pytest.fixture
def empty_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgres"):
        from app.config import _database_url

        url = _database_url(url)
        scratch, name = _postgres_scratch_database(url)
        yield scratch
        _drop_postgres_database(url, name)
    else:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"


def _differences(engine):
    def ignorable(diff):
        # Expression indexes (lower(name)) cannot be reflected for comparison.
        return diff[0] in ("add_index", "remove_index") and diff[1].name.endswith("_lower")

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, db.metadata)
                if not (isinstance(d, tuple) and ignorable(d))]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_matches_models_and_downgrade_empties(tmp_path, empty_database):
    app = create_app(base_config(tmp_path, empty_database))
    with app.app_context():
        upgrade()
        assert _differences(db.engine) == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_cli_db_upgrade_and_demo_seed_are_idempotent(tmp_path, empty_database):
    app = create_app(base_config(tmp_path, empty_database))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "sofa@demo.kretslop.no" in first.output
    with app.app_context():
        counts = {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"'))  # noqa: S608
                  for t in ("users", "organizations", "memberships")}
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        again = {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"'))  # noqa: S608
                 for t in counts}
        db.session.remove()
        db.engine.dispose()
    assert counts == again
    assert counts["organizations"] >= 5
