"""Moving from the embedded SQLite to PostgreSQL: `flask copy-database --to URL`."""

import os

import sqlalchemy as sa

from app import create_app
from app.config import _database_url
from app.db import db
from tests.conftest import _drop_postgres_database, _postgres_scratch_database, base_config


def test_copy_from_sqlite_to_postgres_then_keep_working(tmp_path):
    server = os.environ.get("TEST_DATABASE_URL", "")
    if not server.startswith("postgres"):
        server = "postgresql://postgres@127.0.0.1:5432/test"
    server = _database_url(server)
    target_url, name = _postgres_scratch_database(server)
    try:
        source = create_app(base_config(tmp_path / "src", f"sqlite:///{tmp_path / 'src.db'}"))
        target = create_app(base_config(tmp_path / "dst", target_url))
        src_cli, dst_cli = source.test_cli_runner(), target.test_cli_runner()
        for runner in (src_cli, dst_cli):
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        assert src_cli.invoke(args=["seed", "demo"]).exit_code == 0

        result = src_cli.invoke(args=["copy-database", "--to", target_url])
        assert result.exit_code == 0, result.output
        assert "search reindex" in result.output

        def counts(app):
            with app.app_context():
                found = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                         for t in db.metadata.sorted_tables}
                db.session.remove()
                db.engine.dispose()
                return found

        copied = counts(target)
        assert copied == counts(source)
        assert copied["listings"] >= 50 and copied["users"] >= 5

        again = src_cli.invoke(args=["copy-database", "--to", target_url])
        assert again.exit_code != 0 and "not empty" in str(again.exception)

        # Sequences were moved past the copied ids: new rows get fresh ids.
        made = dst_cli.invoke(args=["users", "create", "ny@flyttet.no", "--password",
                                    "passord-passord", "--org", "Flyttet AS", "--org-kind",
                                    "nonprofit"])
        assert made.exit_code == 0, made.output
        assert dst_cli.invoke(args=["search", "reindex"]).exit_code == 0
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        _drop_postgres_database(server, name)
