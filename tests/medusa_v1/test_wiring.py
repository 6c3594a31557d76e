"""medusa-v1 mode as `hashless serve` wires it from the environment, on moto's Cognito."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hashless.credentials.client import make_cognito_client
from hashless.credentials.provision import provision_pool
from hashless.errors import ConfigurationError
from hashless.service import create_app, wiring
from hashless.storage import Database
from tests.reliability.conftest import logging_restored

from .conftest import AddMedusa, medusa_row

pytestmark = pytest.mark.postgres

SECRET = "a-medusa-jwt-secret-long-enough-for-hs256"


@pytest.fixture
def environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, medusa_v1_database: str
) -> Iterator[None]:
    """Only the settings of a medusa-v1 deployment, on a fresh moto pool."""
    for name in os.environ:
        if name.startswith(("COGNITO_", "HASHLESS_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    cognito = make_cognito_client(
        region="eu-west-1",
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
    )
    pool = provision_pool(cognito, pool_name="medusa-v1-wiring")
    for name, value in {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": moto_endpoint,
        "COGNITO_ACCESS_KEY_ID": "testing",
        "COGNITO_SECRET_ACCESS_KEY": "testing",
        "HASHLESS_PLATFORM": "medusa-v1",
        "HASHLESS_DATABASE_URL": medusa_v1_database,
        "HASHLESS_MEDUSA_URL": "http://127.0.0.1:9/",
        "HASHLESS_MEDUSA_JWT_SECRET": SECRET,
        "HASHLESS_COOKIE_SECURE": "false",
        "HASHLESS_COGNITO_RATE_FILE": str(tmp_path / "rates"),
    }.items():
        monkeypatch.setenv(name, value)
    with logging_restored():
        yield


def test_a_worker_serves_medusas_customers(
    environment: None,
    add_medusa: AddMedusa,
    medusa_v1_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A worker's context picks the medusa-v1 host: a Medusa customer logs in and migrates
    into the real (moto) pool, the login on the event loop (its own pool, Cognito through
    aiohttp), and no log line holds the password, the hash or the secret."""
    cid = add_medusa("ann@example.com", "medusa password")
    hash_before = medusa_row(medusa_v1_db, cid)["password_hash"]
    context = wiring.context_from_environment()
    app = create_app(context)
    assert context.host.name == "medusa-v1" and context.host.medusa_url == "http://127.0.0.1:9"
    assert context.loop_logins is not None and context.logins is not context.guard
    assert context.logins.outage is context.guard.outage  # one view of the outage mark
    # The factory configured logging for its process; listen on the root logger again.
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        login = client.post(
            "/store/auth", json={"email": "ann@example.com", "password": "medusa password"}
        )
        assert login.status_code == 200, login.text
        assert client.get("/store/auth").json()["customer"]["id"] == cid
        assert client.get("/store/customers/me").status_code in (404, 405)
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is None
    context.db.engine.dispose()
    logging.getLogger().removeHandler(caplog.handler)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"migrated customer_id={cid}" in logged
    assert "medusa password" not in logged and hash_before not in logged
    assert SECRET not in logged


@pytest.mark.parametrize("missing", ["HASHLESS_MEDUSA_URL", "HASHLESS_MEDUSA_JWT_SECRET"])
def test_medusa_settings_are_required(
    environment: None, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """Without the Medusa server or its secret a worker does not start, and says which."""
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        wiring.create_app_from_environment()


def test_a_sqlite_database_is_refused(environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Medusa's database is PostgreSQL: another URL is a configuration error."""
    monkeypatch.setenv("HASHLESS_DATABASE_URL", "sqlite:////tmp/not-medusa.db")
    with pytest.raises(ConfigurationError, match="Medusa's own"):
        wiring.create_app_from_environment()


def test_serve_never_falls_back_to_the_demo(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no pool configured, `hashless serve` in medusa-v1 mode stops instead of
    serving the throw-away demo store."""
    from click.testing import CliRunner

    from hashless.cli.main import main

    monkeypatch.delenv("COGNITO_USER_POOL_ID")
    monkeypatch.delenv("COGNITO_CLIENT_ID")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code != 0
    assert "HASHLESS_PLATFORM=medusa-v1 needs the pool" in result.output
