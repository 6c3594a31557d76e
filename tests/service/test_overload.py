"""Overload answers 503 + Retry-After, never a 500 that drops the connection.

An error no handler knows answers 500 and makes uvicorn close the connection; under
Cognito throttling two logins once ended so. A throttled check is sent once and
answered at once (``tests/reliability/test_cognito_faults.py``); a database whose
every pooled connection stays busy is an overload too.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import CredentialStoreThrottled
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.storage import Database
from tests.service.conftest import CapturedDelivery


def test_an_exhausted_database_pool_is_a_503(db: Database) -> None:
    """Every connection of the pool busy past its timeout: 503 + Retry-After, not 500."""
    url = db.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    tiny = Database(engine)
    context = ServiceContext(
        engine=MigrationEngine(tiny.records, InMemoryCredentialStore(), VerifierRegistry([])),
        db=tiny,
        reset_delivery=CapturedDelivery(),
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    with TestClient(create_app(context), raise_server_exceptions=False) as client:
        with engine.connect():  # the pool's only connection, held
            response = client.post(
                "/store/auth", json={"email": "ann@example.com", "password": "a password"}
            )
        assert (response.status_code, response.headers.get("retry-after")) == (503, "1")
        assert response.json()["type"] == "unavailable"
    engine.dispose()


def test_a_throttled_login_is_a_503_at_once(
    client: TestClient, store: InMemoryCredentialStore
) -> None:
    """Cognito throttling a migrated customer's check: 503 + Retry-After, one call."""
    client.post("/store/customers", json={"email": "ann@example.com", "password": "ann password"})
    client.cookies.clear()
    checks = store.count("check")
    store.fail_next("check", CredentialStoreThrottled("check", "TooManyRequestsException", 1))
    response = client.post(
        "/store/auth", json={"email": "ann@example.com", "password": "ann password"}
    )
    assert (response.status_code, response.headers.get("retry-after")) == (503, "1")
    assert store.count("check") == checks + 1
