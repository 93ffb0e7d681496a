"""``KRETSLOP_ENV=production`` refuses to start with the default or a short SECRET_KEY
(and without BASE_URL), saying how to make a key; development starts as before."""

import os
import subprocess
import sys

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, ROOT
from tests.conftest import base_config

LONG_KEY = "k" * 64


def _production(tmp_path, **overrides):
    config = {**base_config(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite3'}"),
              "KRETSLOP_ENV": "production", "SECRET_KEY": LONG_KEY,
              "BASE_URL": "https://ombruk.example.no"}
    config.update(overrides)
    return config


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "short-key", "x" * 31, ""])
def test_production_refuses_a_default_or_short_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError) as excinfo:
        create_app(_production(tmp_path, SECRET_KEY=key))
    message = str(excinfo.value)
    assert "SECRET_KEY" in message
    assert "secrets.token_hex(32)" in message  # says how to make one


def test_production_refuses_to_start_without_base_url(tmp_path):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(_production(tmp_path, BASE_URL=None))


def test_production_starts_with_a_long_key_and_development_with_the_default(tmp_path):
    assert create_app(_production(tmp_path)).config["SECRET_KEY"] == LONG_KEY
    development = create_app({**_production(tmp_path), "KRETSLOP_ENV": "development",
                              "SECRET_KEY": DEFAULT_SECRET_KEY, "BASE_URL": None})
    assert development.config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def test_the_command_line_says_what_to_do(tmp_path):
    """The operator's view: `flask db upgrade` with production and no key."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "BASE_URL")}
    env.update(KRETSLOP_ENV="production", INSTANCE_PATH=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode != 0
    assert "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')" \
        in result.stderr
