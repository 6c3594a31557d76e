"""Cognito misbehaving, seen through the whole service as production wires it.

The service is built by ``context_from_environment`` (what every worker of
``hashless serve`` runs) with botocore's default retries. Cognito is moto_server behind
a proxy that answers an operation the way real Cognito misbehaves and moto cannot:
throttling, internal errors, account states, slow answers, never answering. The
proxy sits inside botocore's retry loop, so it counts every attempt: the Stubber
answers before that loop and could not show a retry. Connection refused is a port
nothing listens on.

Each outage answers 503 with ``Retry-After``; each account state answers the generic
401 after exactly one ``AdminInitiateAuth``; no row changes; and once Cognito is back
the same request succeeds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import inspect, select

from hashless.credentials.cognito import COGNITO_LOCKOUT_FAILURES, CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.emails import email_key
from hashless.identity import new_customer_id
from hashless.service import ServiceContext, create_app, wiring
from hashless.service.timing import FailureFloor
from hashless.storage import Database, LegacyCustomer
from hashless.storage.models import Customer, CustomerSession, ResetToken
from tests.reliability.conftest import logging_restored
from tests.reliability.servers import KEYS, CountingProxy, Fault, free_port

PASSWORD = "the right password"
NEW_PASSWORD = "a brand new password"
ATTEMPTS = 3
"""botocore's standard retry mode: the first try and two retries (the client default)."""
PATIENT = 2.0
"""Read timeout of the service's client in most tests: far above any moto answer."""
IMPATIENT = 0.3
"""Read timeout where Cognito is made to hang: three of them make the whole wait."""
UNAUTHORIZED = {"type": "unauthorized", "message": "Wrong email or password"}


def serve(
    endpoint: str,
    pool: ProvisionedPool,
    folder: Path,
    read_timeout: float,
    write_window: float = 0.0,
    database_url: str | None = None,
) -> TestClient:
    """The app as a worker builds it from its environment, Cognito at ``endpoint``, over
    ``database_url`` (a SQLite file in ``folder`` if None).

    Only the timeouts differ from production (the tests would otherwise wait 5 s), and
    the write window: 0 unless a test is about it, so a request can be repeated at once.
    """
    database_url = database_url or f"sqlite:///{folder / 'hashless.db'}"
    Database.connect(database_url).engine.dispose()
    env = {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": endpoint,
        "COGNITO_ACCESS_KEY_ID": KEYS["access_key_id"],
        "COGNITO_SECRET_ACCESS_KEY": KEYS["secret_access_key"],
        "HASHLESS_DATABASE_URL": database_url,
        "HASHLESS_COOKIE_SECURE": "false",
        "HASHLESS_COGNITO_RATE_FILE": str(folder / "quota.bin"),
        "HASHLESS_COGNITO_CONNECT_TIMEOUT_MS": "1000",
        "HASHLESS_COGNITO_READ_TIMEOUT_MS": str(round(read_timeout * 1000)),
        "HASHLESS_COGNITO_WRITE_WINDOW_SECONDS": str(write_window),
    }
    with pytest.MonkeyPatch.context() as patch, logging_restored():
        for name in os.environ:
            if name.startswith(("COGNITO_", "HASHLESS_")):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(folder)  # no .env of the checkout
        context = wiring.context_from_environment()
    # Failed logins answer at once: nothing here is timed.
    context.guard.floor = context.logins.floor = FailureFloor(0.0, ceiling=0.0)
    return TestClient(create_app(context), raise_server_exceptions=False)


@pytest.fixture(scope="module", autouse=True)
def _no_backoff() -> Iterator[None]:
    """botocore retries at once: the attempts are counted, the waits between them only cost."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
        yield


@pytest.fixture(autouse=True)
def _faults_cleared(proxy: CountingProxy) -> Iterator[None]:
    yield
    proxy.clear()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def services(
    request: pytest.FixtureRequest,
    proxy: CountingProxy,
    pool: ProvisionedPool,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, TestClient]]:
    """One service per way of reaching Cognito, sharing one database. On PostgreSQL its
    password logins run on the event loop, Cognito through ``CognitoLoopTransport``: the
    same faults must give the same answers there."""
    folder = tmp_path_factory.mktemp("cognito-faults")
    database_url = None
    if request.param == "postgres":
        database_url = request.getfixturevalue("postgres_database")
    endpoints = {
        "patient": (proxy.url, PATIENT),
        "impatient": (proxy.url, IMPATIENT),
        "refused": (f"http://127.0.0.1:{free_port()}", PATIENT),
    }
    with ExitStack() as running:
        clients = {
            name: running.enter_context(
                serve(endpoint, pool, folder, read_timeout, database_url=database_url)
            )
            for name, (endpoint, read_timeout) in endpoints.items()
        }
        for client in clients.values():
            assert (_context(client).loop_logins is not None) == (database_url is not None)
        yield clients


def _context(client: TestClient) -> ServiceContext:
    context: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    return context


@dataclass
class Account:
    """A customer set up for one test: its id (the Cognito username) and email."""

    id: str
    email: str


def migrated(client: TestClient, cognito: CognitoCredentialStore) -> Account:
    customer = Account(new_customer_id(), f"{uuid.uuid4().hex[:10]}@example.com")
    cognito.create(customer.id, customer.email)
    cognito.set_password(customer.id, PASSWORD)
    _context(client).db.customers.insert_account(customer.id, customer.email)
    return customer


def legacy(client: TestClient) -> Account:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    medusa_v1 = DEMO_CUSTOMERS[0]
    (customer_id,) = _context(client).db.customers.insert_legacy(
        [LegacyCustomer(email, medusa_v1.legacy_format, medusa_v1.legacy_hash)], new_customer_id
    )
    return Account(customer_id, email)


def rows(client: TestClient, email: str) -> dict[str, Any]:
    """Everything stored about the customer with ``email`` but the audit trail and counters."""
    db = _context(client).db
    with db.sessions_factory() as session:
        row = session.scalars(
            select(Customer).where(Customer.email_key == email_key(email))
        ).one_or_none()
        if row is None:
            return {}
        columns = {
            attribute.key: getattr(row, attribute.key)
            for attribute in inspect(Customer).mapper.column_attrs
        }
        sessions = session.scalars(
            select(CustomerSession.id).where(CustomerSession.customer_id == row.id)
        ).all()
        tokens = session.execute(
            select(ResetToken.token_hash, ResetToken.used_at).where(
                ResetToken.customer_id == row.id
            )
        ).all()
    return {"customer": columns, "sessions": sorted(sessions), "tokens": sorted(tokens)}


# -- the flows, each with the Cognito operation it needs ----------------------------------


@dataclass(frozen=True)
class Flow:
    name: str
    operation: str
    prepare: Callable[[TestClient, CognitoCredentialStore], tuple[str, Callable[[], Response]]]
    """Sets a customer up; returns its email and the request that needs Cognito."""

    def __str__(self) -> str:
        return self.name


def _login_migrated(
    client: TestClient, cognito: CognitoCredentialStore
) -> tuple[str, Callable[[], Response]]:
    customer = migrated(client, cognito)
    body = {"email": customer.email, "password": PASSWORD}
    return customer.email, lambda: client.post("/store/auth", json=body)


def _first_login(
    client: TestClient, cognito: CognitoCredentialStore
) -> tuple[str, Callable[[], Response]]:
    customer = legacy(client)
    body = {"email": customer.email, "password": DEMO_PASSWORD}
    return customer.email, lambda: client.post("/store/auth", json=body)


def _register(
    client: TestClient, cognito: CognitoCredentialStore
) -> tuple[str, Callable[[], Response]]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    return email, lambda: client.post("/store/customers", json=body)


def _change_password(
    client: TestClient, cognito: CognitoCredentialStore
) -> tuple[str, Callable[[], Response]]:
    customer = migrated(client, cognito)
    token, _ = _context(client).db.sessions.create(customer.id, "cookie", user_agent=None, ip=None)
    headers = {"cookie": f"hashless_sid={token}"}
    body = {"password": NEW_PASSWORD}
    return customer.email, lambda: client.post("/store/customers/me", json=body, headers=headers)


def _reset(
    client: TestClient, cognito: CognitoCredentialStore
) -> tuple[str, Callable[[], Response]]:
    customer = migrated(client, cognito)
    token, _ = _context(client).db.reset_tokens.issue(customer.id)
    body = {"email": customer.email, "token": token, "password": NEW_PASSWORD}
    return customer.email, lambda: client.post("/store/customers/password-reset", json=body)


FLOWS = (
    Flow("login", "AdminInitiateAuth", _login_migrated),
    Flow("first login of a legacy customer", "AdminCreateUser", _first_login),
    Flow("register", "AdminCreateUser", _register),
    Flow("change password", "AdminSetUserPassword", _change_password),
    Flow("reset", "AdminSetUserPassword", _reset),
)

OUTAGES = {
    "TooManyRequestsException": (Fault("TooManyRequestsException", "Too many requests"), "1"),
    "LimitExceededException": (
        Fault("LimitExceededException", "Attempt limit exceeded, please try after some time."),
        "1",
    ),
    "InternalErrorException": (Fault("InternalErrorException", "Internal error", status=500), "5"),
    "read timeout": (Fault(hang=True), "5"),
}


def _id(value: object) -> str:
    return str(value).replace(" ", "-")


@pytest.mark.parametrize("flow", FLOWS, ids=_id)
@pytest.mark.parametrize("outage", OUTAGES, ids=_id)
def test_an_outage_is_a_503_that_changes_nothing(
    services: dict[str, TestClient],
    proxy: CountingProxy,
    cognito: CognitoCredentialStore,
    flow: Flow,
    outage: str,
) -> None:
    """Throttling, internal errors, a Cognito that never answers: 503 + Retry-After,
    at most three attempts, no row changed; the same request succeeds once it is over."""
    fault, retry_after = OUTAGES[outage]
    client = services["impatient" if fault.hang else "patient"]
    email, request = flow.prepare(client, cognito)
    before = rows(client, email)
    attempts_before = proxy.total(flow.operation)
    proxy.inject(flow.operation, fault)
    response = request()
    assert (response.status_code, response.headers.get("retry-after")) == (503, retry_after)
    assert response.json()["type"] == "unavailable"
    after = rows(client, email)
    # A password write claims the customer before it is sent (engine rule 6): the
    # claim is cleared again, or kept as the fence if the write may still land; it (and
    # the row's update time) is all that changes.
    fence = after.get("customer", {}).get("credential_fence_until")
    assert (fence is not None) == _in_doubt(flow, outage)
    if flow.operation == "AdminSetUserPassword":
        for row in (before["customer"], after["customer"]):
            del row["credential_fence_until"], row["updated_at"]
    assert after == before
    sent = proxy.total(flow.operation) - attempts_before
    assert sent == (1 if _judged(flow, outage) else ATTEMPTS)
    proxy.clear()
    assert request().status_code == 200


def _judged(flow: Flow, outage: str) -> bool:
    """A password check or write is sent once: after a server error or a read timeout
    Cognito may have judged or applied it (one typo must count once, a write must not
    stay in flight unseen), and a throttled one answers 503 at once rather than queue
    behind a spent quota. Other calls keep botocore's retries."""
    return flow.operation in ("AdminInitiateAuth", "AdminSetUserPassword")


def _in_doubt(flow: Flow, outage: str) -> bool:
    return flow.operation == "AdminSetUserPassword" and outage in (
        "InternalErrorException",
        "read timeout",
    )


@pytest.mark.parametrize("flow", FLOWS, ids=_id)
def test_connection_refused_is_a_503_that_changes_nothing(
    services: dict[str, TestClient], cognito: CognitoCredentialStore, flow: Flow
) -> None:
    """Nothing listening where Cognito should be: 503 + Retry-After, no row changed."""
    client = services["refused"]
    email, request = flow.prepare(client, cognito)
    before = rows(client, email)
    response = request()
    assert (response.status_code, response.headers.get("retry-after")) == (503, "5")
    assert rows(client, email) == before


ACCOUNT_STATES = {
    "Password attempts exceeded": Fault("NotAuthorizedException", "Password attempts exceeded"),
    "PasswordResetRequired": Fault("PasswordResetRequiredException", "Password reset required"),
    "UserNotConfirmed": Fault("UserNotConfirmedException", "User is not confirmed."),
    "UserNotFound": Fault("UserNotFoundException", "User does not exist."),
}


@pytest.mark.parametrize("state", ACCOUNT_STATES, ids=_id)
def test_an_account_state_is_the_generic_401_after_one_attempt(
    services: dict[str, TestClient],
    proxy: CountingProxy,
    cognito: CognitoCredentialStore,
    state: str,
) -> None:
    """Lockout and account states read exactly as a wrong password, cost one attempt,
    and change no row."""
    client = services["patient"]
    customer = migrated(client, cognito)
    before = rows(client, customer.email)
    proxy.inject("AdminInitiateAuth", ACCOUNT_STATES[state])
    response = client.post("/store/auth", json={"email": customer.email, "password": PASSWORD})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert proxy.count("AdminInitiateAuth", customer.id) == 1
    assert rows(client, customer.email) == before


def test_an_account_state_leads_to_the_reset_hint_before_cognito_locks(
    services: dict[str, TestClient],
    proxy: CountingProxy,
    cognito: CognitoCredentialStore,
) -> None:
    """Account states count as failures: the right password in a state Cognito refuses
    meets hashless' own limit after four tries, whose answer says to reset the password,
    alike for an unknown email; no more than four tries reach Cognito, one short of its
    lock-out."""
    client = services["patient"]
    customer = migrated(client, cognito)
    proxy.inject("AdminInitiateAuth", ACCOUNT_STATES["PasswordResetRequired"])
    answers = {}
    for email, password in ((customer.email, PASSWORD), ("nobody@example.com", "a guess")):
        body = {"email": f"{uuid.uuid4().hex[:6]}{email}" if email.startswith("nobody") else email}
        body["password"] = password
        statuses = [client.post("/store/auth", json=body).status_code for _ in range(5)]
        assert statuses == [401] * (COGNITO_LOCKOUT_FAILURES - 1) + [429]
        answers[email] = client.post("/store/auth", json=body)
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert "reset your password" in known.json()["message"]
    assert known.json()["type"] == unknown.json()["type"]
    assert proxy.count("AdminInitiateAuth", customer.id) == COGNITO_LOCKOUT_FAILURES - 1


def test_an_email_another_cognito_user_holds_is_refused_for_good(
    services: dict[str, TestClient], proxy: CountingProxy, cognito: CognitoCredentialStore
) -> None:
    """``AliasExistsException`` on an email change is no outage: 409 at once, one call,
    no row changed, and the same answer when repeated (never a 503 that never passes)."""
    client = services["patient"]
    customer = migrated(client, cognito)
    token, _ = _context(client).db.sessions.create(customer.id, "cookie", user_agent=None, ip=None)
    before = rows(client, customer.email)
    proxy.inject(
        "AdminUpdateUserAttributes",
        Fault("AliasExistsException", "An account with the email already exists."),
    )
    change = {"email": f"{uuid.uuid4().hex[:10]}@example.com"}
    headers = {"cookie": f"hashless_sid={token}"}
    for attempt in (1, 2):
        response = client.post("/store/customers/me", json=change, headers=headers)
        assert response.status_code == 409, response.text
        assert response.json()["type"] == "not_allowed"
        assert "AliasExists" not in response.text
        assert proxy.count("AdminUpdateUserAttributes", customer.id) == attempt
    assert rows(client, customer.email) == before


def test_a_wrong_password_is_one_attempt_against_the_lockout(
    services: dict[str, TestClient], proxy: CountingProxy, cognito: CognitoCredentialStore
) -> None:
    """botocore never retries NotAuthorizedException: one typo, one count toward lockout."""
    client = services["patient"]
    customer = migrated(client, cognito)
    response = client.post("/store/auth", json={"email": customer.email, "password": "a typo"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert proxy.count("AdminInitiateAuth", customer.id) == 1


def test_a_user_deleted_in_cognito_is_the_generic_401(
    services: dict[str, TestClient], proxy: CountingProxy, cognito: CognitoCredentialStore
) -> None:
    """A Cognito user deleted behind hashless' back: the generic 401, no row changed."""
    client = services["patient"]
    customer = migrated(client, cognito)
    cognito.delete(customer.id)
    before = rows(client, customer.email)
    response = client.post("/store/auth", json={"email": customer.email, "password": PASSWORD})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert proxy.count("AdminInitiateAuth", customer.id) == 1
    assert rows(client, customer.email) == before


def test_a_slow_answer_is_waited_for(
    services: dict[str, TestClient], proxy: CountingProxy, cognito: CognitoCredentialStore
) -> None:
    """Cognito answering slowly but within the read timeout: a normal login, one attempt."""
    client = services["patient"]
    customer = migrated(client, cognito)
    proxy.inject("AdminInitiateAuth", Fault(delay=PATIENT / 4))
    response = client.post("/store/auth", json={"email": customer.email, "password": PASSWORD})
    assert response.status_code == 200
    assert proxy.count("AdminInitiateAuth", customer.id) == 1


def test_a_user_deleted_in_cognito_recovers_by_reset(
    services: dict[str, TestClient], cognito: CognitoCredentialStore
) -> None:
    """A password reset gives a customer whose Cognito user vanished a working password."""
    client = services["patient"]
    customer = migrated(client, cognito)
    cognito.delete(customer.id)
    token, _ = _context(client).db.reset_tokens.issue(customer.id)
    response = client.post(
        "/store/customers/password-reset",
        json={"email": customer.email, "token": token, "password": NEW_PASSWORD},
    )
    assert response.status_code == 200
    login = client.post("/store/auth", json={"email": customer.email, "password": NEW_PASSWORD})
    assert login.status_code == 200


def test_a_wrong_password_answered_too_late_is_one_attempt(
    services: dict[str, TestClient], proxy: CountingProxy, cognito: CognitoCredentialStore
) -> None:
    """A wrong password that Cognito judges after the read timeout is judged only once."""
    client = services["impatient"]
    customer = migrated(client, cognito)
    proxy.inject("AdminInitiateAuth", Fault(delay=IMPATIENT * 2))
    response = client.post("/store/auth", json={"email": customer.email, "password": "a typo"})
    assert response.status_code == 503
    assert proxy.count("AdminInitiateAuth", customer.id) == 1
