"""What one login or session check costs the database, and what a login writes together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.service import ServiceContext
from hashless.storage import Database
from hashless.storage.devices import DEVICE_LIFETIME, DEVICES_KEPT
from hashless.storage.models import Customer, KnownDevice, utcnow
from hashless.tokens import token_hash
from tests.service.conftest import Clock

CREDENTIALS = {"email": "ann@example.com", "password": "correct horse"}


@pytest.fixture
def ann(db: Database, store: InMemoryCredentialStore) -> str:
    db.customers.insert_account("cus_ann", "ann@example.com")
    store.create("cus_ann", "ann@example.com")
    store.set_password("cus_ann", "correct horse")
    return "cus_ann"


class Traffic:
    def __init__(self) -> None:
        self.checkouts = 0
        self.statements: list[str] = []


@contextmanager
def counted(db: Database) -> Iterator[Traffic]:
    """Connections taken from the pool, and statements other than BEGIN, while inside."""
    traffic = Traffic()

    def checkout(*_: Any) -> None:
        traffic.checkouts += 1

    def execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):
            traffic.statements.append(statement.split()[0])

    event.listen(db.engine.pool, "checkout", checkout)
    event.listen(db.engine, "before_cursor_execute", execute)
    try:
        yield traffic
    finally:
        event.remove(db.engine.pool, "checkout", checkout)
        event.remove(db.engine, "before_cursor_execute", execute)


def _statements_of_a_login(client: TestClient, db: Database) -> list[str]:
    with counted(db) as traffic:
        assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    assert traffic.checkouts == 2
    return sorted(traffic.statements)


def test_a_login_reads_once_and_writes_once(
    client: TestClient, login_db: Database, ann: str
) -> None:
    """A migrated customer's login: one connection reads the row and the throttle
    counters, and the audit row, the session and the device (a new one, and the
    customer's oldest devices beyond the kept few go) are written together: on
    PostgreSQL as one statement with no transaction around it (``Database.writes``),
    on SQLite in one transaction."""
    postgresql = login_db.engine.dialect.name == "postgresql"
    writes = ["WITH"] if postgresql else ["DELETE", "INSERT", "INSERT", "INSERT"]
    assert _statements_of_a_login(client, login_db) == sorted(["SELECT", "SELECT", *writes])
    # From a known device renewed within the day: its owner is read with the row, and
    # the session the browser held ends; the device's row is not written.
    again = ["WITH"] if postgresql else ["DELETE", "INSERT", "INSERT"]
    assert _statements_of_a_login(client, login_db) == sorted(
        ["SELECT", "SELECT", "SELECT", *again]
    )


def test_a_known_device_is_renewed_once_a_day(
    client: TestClient, db: Database, login_db: Database, ann: str, clock: Clock
) -> None:
    """A day after its last renewal, a login from the device moves its expiry on (an
    UPDATE), and the device keeps its token."""
    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    device = client.cookies["hashless_device"]
    clock.advance(hours=25)
    with counted(login_db) as traffic:
        assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    assert "UPDATE" in traffic.statements
    assert client.cookies["hashless_device"] == device
    with db.engine.connect() as connection:
        expires = connection.execute(select(KnownDevice.expires_at)).scalar_one()
    assert abs(
        expires.replace(tzinfo=None) - (clock.now + DEVICE_LIFETIME).replace(tzinfo=None)
    ) < timedelta(seconds=1)


def test_a_client_that_never_keeps_its_device_leaves_the_newest_few(
    client: TestClient, db: Database, ann: str, clock: Clock
) -> None:
    """Each login without the device token adds a device; the customer keeps the
    newest ``DEVICES_KEPT`` of them, the one just issued among them."""
    issued = []
    for _ in range(DEVICES_KEPT + 3):
        client.cookies.clear()
        assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
        issued.append(token_hash(client.cookies["hashless_device"]))
        clock.advance(seconds=1)
    with db.engine.connect() as connection:
        kept = set(connection.execute(select(KnownDevice.token_hash)).scalars())
    assert kept == set(issued[-DEVICES_KEPT:])


def test_a_good_login_clears_the_failure_counter_it_found(
    client: TestClient, db: Database, login_db: Database, ann: str
) -> None:
    """After failures, a good login deletes the account's counter, in its one transaction."""
    wrong = {**CREDENTIALS, "password": "wrong password"}
    assert client.post("/store/auth", json=wrong).status_code == 401
    assert db.throttle.state(["account:ann@example.com"]).counted

    with counted(login_db) as traffic:
        assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    assert traffic.checkouts == 2
    assert not db.throttle.state(["account:ann@example.com"]).counted


def test_the_audit_row_and_the_session_commit_together(
    client: TestClient, db: Database, login_db: Database, ann: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login whose session cannot be written leaves no 'login.succeeded' row either."""

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(login_db.sessions, "create", broken)
    with pytest.raises(RuntimeError):
        client.post("/store/auth", json=CREDENTIALS)
    assert db.audit.search(event="login.succeeded")[1] == 0


def test_a_login_ends_the_cookie_session_the_browser_held(client: TestClient, ann: str) -> None:
    """Logging in again with a session cookie ends that session and opens a new one."""
    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    held = client.cookies["hashless_sid"]

    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    fresh = client.cookies["hashless_sid"]

    assert fresh != held
    old = client.get("/store/auth", headers={"authorization": f"Bearer {held}"})
    assert old.status_code == 401
    assert client.get("/store/auth").status_code == 200


def test_a_bearer_login_leaves_the_cookie_session_alone(client: TestClient, ann: str) -> None:
    """POST /store/auth/token opens a bearer session; the browser's cookie session lives on."""
    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    assert client.post("/store/auth/token", json=CREDENTIALS).status_code == 200
    assert client.get("/store/auth").status_code == 200


def test_a_session_check_is_one_query(client: TestClient, db: Database, ann: str) -> None:
    """GET /store/auth and GET /store/customers/me: the session and its customer in one
    SELECT on one connection (no touch within the minute)."""
    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    for path in ("/store/auth", "/store/customers/me"):
        with counted(db) as traffic:
            response = client.get(path)
        assert response.status_code == 200
        assert response.json()["customer"]["id"] == ann
        assert (traffic.checkouts, traffic.statements) == (1, ["SELECT"])


def test_a_session_outliving_its_customer_opens_nothing(
    client: TestClient, context: ServiceContext, ann: str
) -> None:
    """A deleted customer's session, if one were left, answers 401 rather than a profile."""
    assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
    with context.db.transaction() as writing:
        writing.execute(update(Customer).where(Customer.id == ann).values(deleted_at=utcnow()))
    assert client.get("/store/auth").status_code == 401
    assert client.get("/store/customers/me").status_code == 401


def test_the_login_cookies_are_the_ones_starlette_would_write(client: TestClient, ann: str) -> None:
    """The session and device cookies (built from a template made once) read exactly as
    Starlette's own ``set_cookie`` writes them: HttpOnly, SameSite=Lax, Path=/, Max-Age."""
    answer = client.post("/store/auth", json=CREDENTIALS)
    assert answer.status_code == 200
    expected = Response()
    expected.set_cookie(
        "hashless_sid",
        answer.cookies["hashless_sid"],
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="lax",
    )
    expected.set_cookie(
        "hashless_device",
        answer.cookies["hashless_device"],
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
    )
    assert answer.headers.get_list("set-cookie") == expected.headers.getlist("set-cookie")
    assert answer.json()["customer"]["id"] == ann
