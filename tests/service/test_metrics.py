"""``/metrics``: Prometheus figures for logins, migrations, Cognito calls and sessions."""

from __future__ import annotations

from collections.abc import Iterator

import bcrypt
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hashless.config import Settings
from hashless.credentials.memory import InMemoryCredentialStore
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.errors import CredentialStoreThrottled
from hashless.identity import new_customer_id
from hashless.service import create_app
from hashless.service.wiring import build_context
from hashless.storage import Database, LegacyCustomer
from tests.service.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
V1 = DEMO_CUSTOMERS[0]


@pytest.fixture
def wired(db: Database) -> Iterator[tuple[TestClient, InMemoryCredentialStore]]:
    """The app as `hashless serve` wires it (metered store, migration metrics), on a fake pool."""
    store = InMemoryCredentialStore(policy=lambda p: "symbols please" if p == "refused" else None)
    settings = Settings(HASHLESS_ADMIN_TOKEN=ADMIN_TOKEN, HASHLESS_LOGIN_FAILURE_FLOOR_MS=0)
    context = build_context(settings, store=store, db=db, cookie_secure=False)
    with TestClient(create_app(context)) as client:
        yield client, store


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_metrics_need_the_admin_token(wired: tuple[TestClient, InMemoryCredentialStore]) -> None:
    """Like the admin API: 401 without the token or with a wrong one."""
    client, _ = wired
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_logins_migrations_cognito_calls_and_sessions(
    wired: tuple[TestClient, InMemoryCredentialStore], db: Database
) -> None:
    """Login outcomes, migrations, Cognito latency and throttles, live sessions: all counted."""
    client, store = wired
    db.customers.insert_legacy([V1], new_customer_id)
    ok = {"email": V1.email, "password": DEMO_PASSWORD}
    assert client.post("/store/auth", json=ok).status_code == 200  # migrates
    assert client.post("/store/auth", json=ok | {"password": "wrong"}).status_code == 401
    store.fail_next("check", CredentialStoreThrottled("check", "TooManyRequestsException"))
    assert client.post("/store/auth", json=ok).status_code == 503
    assert client.post("/store/auth/token", json=ok).status_code == 200
    samples = _samples(client)
    logins = {k[1][0][1]: v for k, v in samples.items() if k[0] == "hashless_logins_total"}
    assert logins == {"succeeded": 2, "failed": 1, "unavailable": 1}
    assert samples[("hashless_migrations_total", (("outcome", "succeeded"),))] == 1
    assert samples[("hashless_cognito_throttles_total", (("operation", "check"),))] == 1
    assert (
        samples[("hashless_cognito_errors_total", (("kind", "throttled"), ("operation", "check")))]
        == 1
    )
    for operation, calls in (("create", 1), ("set_password", 1), ("check", 3)):
        key = ("hashless_cognito_call_seconds_count", (("operation", operation),))
        assert samples[key] == calls, operation
    assert samples[("hashless_customers", (("state", "cognito"),))] == 1
    assert samples[("hashless_customers", (("state", "legacy"),))] == 0
    assert samples[("hashless_customers_blocked", ())] == 0
    assert samples[("hashless_sessions_active", ())] == 2
    assert samples[("hashless_database_up", ())] == 1


def test_a_blocked_migration_is_counted(
    db: Database, wired: tuple[TestClient, InMemoryCredentialStore]
) -> None:
    """A legacy password the pool refuses counts as a blocked migration and a blocked customer."""
    client, _ = wired
    encoded = bcrypt.hashpw(b"refused", bcrypt.gensalt(4)).decode()
    db.customers.insert_legacy(
        [LegacyCustomer(email="b@example.com", legacy_format="bcrypt", legacy_hash=encoded)],
        new_customer_id,
    )
    assert (
        client.post(
            "/store/auth", json={"email": "b@example.com", "password": "refused"}
        ).status_code
        == 200
    )
    samples = _samples(client)
    assert samples[("hashless_migrations_total", (("outcome", "blocked"),))] == 1
    assert samples[("hashless_customers_blocked", ())] == 1
