"""Logins through the service with the Cognito budget in Redis: a Redis that is gone
never turns into a refused login by itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from harness import RedisServer

from hashless.credentials import redis_quota
from hashless.credentials.memory import InMemoryCredentialStore
from hashless.credentials.shaping import QuotaCategory, QuotaShapedStore, SharedTokenBuckets
from hashless.service import create_app
from hashless.service.context import ServiceContext
from hashless.storage import Database

pytestmark = pytest.mark.redis

AUTH = QuotaCategory.AUTHENTICATION


@pytest.fixture
def inner() -> InMemoryCredentialStore:
    return InMemoryCredentialStore()


@pytest.fixture
def store(
    inner: InMemoryCredentialStore, redis_server: RedisServer, tmp_path: Path
) -> Iterator[QuotaShapedStore]:
    # A token every 100 s in Redis and in the fallback share alike: no timing in play.
    buckets = redis_quota.RedisTokenBuckets(
        redis_quota.connect(redis_server.url),
        "test:service",
        "host-a",
        {AUTH: 0.01},
        lambda hosts: SharedTokenBuckets(
            tmp_path / "share.bin", {AUTH: 0.01 / hosts}, burst_seconds=200
        ),
        burst_seconds=100,
    )
    yield QuotaShapedStore(inner, buckets, max_wait=0.0)
    buckets.close()


@pytest.fixture
def client(context: ServiceContext, store: QuotaShapedStore) -> Iterator[TestClient]:
    """The app paying for each login's Cognito call ahead, as ``serve`` wires it."""
    with TestClient(create_app(dataclasses.replace(context, quota=store))) as test_client:
        yield test_client


def _customer(db: Database, inner: InMemoryCredentialStore) -> dict[str, str]:
    db.customers.insert_account("cus_ann", "ann@example.com")
    inner.create("cus_ann", "ann@example.com")
    inner.set_password("cus_ann", "correct horse")
    return {"email": "ann@example.com", "password": "correct horse"}


def test_the_shared_budget_refuses_the_excess_with_503_and_retry_after(
    client: TestClient, db: Database, inner: InMemoryCredentialStore
) -> None:
    """With Redis up, the second login finds the shared bucket empty: 503 + Retry-After
    before Cognito is asked."""
    credentials = _customer(db, inner)
    assert client.post("/store/auth", json=credentials).status_code == 200
    refused = client.post("/store/auth", json=credentials)
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert inner.count("check") == 1


def test_a_login_goes_on_when_redis_is_gone(
    client: TestClient, db: Database, inner: InMemoryCredentialStore, redis_server: RedisServer
) -> None:
    """Redis stopped before the login: the login signs in on the host's own share."""
    credentials = _customer(db, inner)
    redis_server.stop()
    answer = client.post("/store/auth", json=credentials)
    assert answer.status_code == 200
    assert inner.count("check") == 1
