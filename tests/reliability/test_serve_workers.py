"""``hashless serve --workers N`` and the app factory each worker runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from hashless.cli.main import main
from hashless.credentials.provision import ProvisionedPool
from hashless.errors import ConfigurationError
from hashless.service import wiring
from hashless.storage import Database
from tests.reliability.conftest import logging_restored
from tests.reliability.servers import KEYS


@pytest.fixture(autouse=True)
def _bare_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the checkout's ``.env`` or the caller's shell."""
    for name in os.environ:
        if name.startswith(("COGNITO_", "HASHLESS_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_demo_refuses_several_workers() -> None:
    """Without a pool, ``--workers 2`` stops with one line: the demo cannot be shared."""
    result = CliRunner().invoke(main, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert result.output.startswith("hashless: --workers needs a real pool and database")
    assert result.output.count("\n") == 1


def test_workers_must_be_at_least_one() -> None:
    """``--workers 0`` is a usage error, before anything starts."""
    result = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output


def test_a_worker_needs_a_configured_pool() -> None:
    """The factory outside ``serve`` (``uvicorn --factory``) never falls back to the demo."""
    with pytest.raises(ConfigurationError, match="COGNITO_USER_POOL_ID"):
        wiring.create_app_from_environment()


def test_a_worker_refuses_a_stale_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool: ProvisionedPool, moto_url: str
) -> None:
    """A worker started on a database that was not migrated says to run ``hashless migrate``."""
    database = tmp_path / "hashless.db"
    db = Database.connect(f"sqlite:///{database}")
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.engine.dispose()
    settings = {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": moto_url,
        "COGNITO_ACCESS_KEY_ID": KEYS["access_key_id"],
        "COGNITO_SECRET_ACCESS_KEY": KEYS["secret_access_key"],
        "HASHLESS_DATABASE_URL": f"sqlite:///{database}",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with logging_restored(), pytest.raises(ConfigurationError, match="run `hashless migrate`"):
        wiring.create_app_from_environment()
