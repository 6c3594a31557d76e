"""A login pays for its Cognito call before any other work, so the excess is refused
before it can queue for a worker thread or the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.credentials.shaping import QuotaCategory, QuotaShapedStore, SharedTokenBuckets
from hashless.errors import CredentialStoreThrottled
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.storage import Database
from tests.support import PlainSha256

from .conftest import ADMIN_TOKEN, CapturedDelivery

ANN = {"email": "ann@example.com", "password": "correct horse"}


@pytest.fixture
def inner() -> InMemoryCredentialStore:
    return InMemoryCredentialStore()


@pytest.fixture
def shaped(inner: InMemoryCredentialStore, tmp_path: Path) -> QuotaShapedStore:
    # One login token that takes 100 s to come back: no timing in play.
    buckets = SharedTokenBuckets(
        tmp_path / "quota.bin", {QuotaCategory.AUTHENTICATION: 0.01}, burst_seconds=100
    )
    return QuotaShapedStore(inner, buckets, max_wait=0.0)


@pytest.fixture
def legacy_format() -> PlainSha256:
    return PlainSha256()


@pytest.fixture
def context(
    db: Database,
    shaped: QuotaShapedStore,
    delivery: CapturedDelivery,
    legacy_format: PlainSha256,
) -> ServiceContext:
    return ServiceContext(
        engine=MigrationEngine(
            db.records, shaped, VerifierRegistry([legacy_format]), observer=migration_auditor(db)
        ),
        db=db,
        reset_delivery=delivery,
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
        quota=shaped,
    )


@pytest.fixture
def client(context: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(context)) as test_client:
        yield test_client


@pytest.fixture
def ann(db: Database, inner: InMemoryCredentialStore) -> None:
    db.customers.insert_account("cus_ann", "ann@example.com")
    inner.create("cus_ann", "ann@example.com")
    inner.set_password("cus_ann", "correct horse")


def _checkouts(db: Database) -> tuple[list[int], Callable[[], None]]:
    seen: list[int] = []

    def checkout(*_: Any) -> None:
        seen.append(1)

    event.listen(db.engine.pool, "checkout", checkout)
    return seen, lambda: event.remove(db.engine.pool, "checkout", checkout)


def test_beyond_the_quota_a_login_is_refused_before_any_database_work(
    client: TestClient,
    context: ServiceContext,
    db: Database,
    inner: InMemoryCredentialStore,
    ann: None,
) -> None:
    """The second login finds no quota: 503 + Retry-After with no connection taken, no
    Cognito call, and the refusal counted as a throttled check."""
    assert client.post("/store/auth", json=ANN).status_code == 200
    seen, stop = _checkouts(db)
    try:
        refused = client.post("/store/auth", json=ANN)
    finally:
        stop()
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert seen == []
    assert inner.count("check") == 1
    throttled = context.metrics.registry.get_sample_value(
        "hashless_cognito_throttles_total", {"operation": "check"}
    )
    assert throttled == 1


def test_a_login_that_calls_no_cognito_gives_its_quota_back(
    client: TestClient, inner: InMemoryCredentialStore, ann: None
) -> None:
    """Unknown emails take the one token and return it unused: Ann still gets in."""
    for _ in range(3):
        unknown = {"email": "nobody@example.com", "password": "correct horse"}
        assert client.post("/store/auth", json=unknown).status_code == 401
    assert client.post("/store/auth", json=ANN).status_code == 200
    assert inner.count("check") == 1


def test_a_paid_login_takes_no_second_token(
    client: TestClient, inner: InMemoryCredentialStore, ann: None
) -> None:
    """The call a login paid for ahead draws nothing more: one token, one login."""
    assert client.post("/store/auth/token", json=ANN).status_code == 200
    assert client.post("/store/auth/token", json=ANN).status_code == 503
    assert inner.count("check") == 1


def test_a_first_login_gives_its_token_back_before_the_hash_is_checked(
    client: TestClient,
    shaped: QuotaShapedStore,
    legacy_format: PlainSha256,
    add_legacy: Callable[[str, str], str],
) -> None:
    """A legacy customer's row shows no check is due: the one token is back while the
    hash is still being verified, so simultaneous logins never wait on it."""
    add_legacy("leg@example.com", "legacy password")
    back: list[bool] = []

    def while_verifying() -> None:
        ticket = None
        try:
            ticket = shaped.pay_ahead(QuotaCategory.AUTHENTICATION, "check")
            back.append(True)
        except CredentialStoreThrottled:
            back.append(False)
        shaped.give_back(ticket)

    legacy_format.on_verify = while_verifying
    login = {"email": "leg@example.com", "password": "legacy password"}
    assert client.post("/store/auth", json=login).status_code == 200
    assert back == [True]
