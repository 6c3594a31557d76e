"""The service's answer when the quota shaper refuses a Cognito call: 503 at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.credentials.shaping import QuotaCategory, QuotaShapedStore, SharedTokenBuckets
from hashless.storage import Database


@pytest.fixture
def inner() -> InMemoryCredentialStore:
    return InMemoryCredentialStore()


@pytest.fixture
def store(inner: InMemoryCredentialStore, tmp_path: Path) -> QuotaShapedStore:
    # One login token that takes 100 s to come back: no timing in play.
    buckets = SharedTokenBuckets(
        tmp_path / "quota.bin", {QuotaCategory.AUTHENTICATION: 0.01}, burst_seconds=100
    )
    return QuotaShapedStore(inner, buckets, max_wait=0.0)


def test_login_beyond_the_quota_is_503_with_retry_after_and_no_cognito_call(
    client: TestClient, db: Database, inner: InMemoryCredentialStore
) -> None:
    """The second login finds the bucket empty: 503 + Retry-After, Cognito never asked."""
    db.customers.insert_account("cus_ann", "ann@example.com")
    inner.create("cus_ann", "ann@example.com")
    inner.set_password("cus_ann", "correct horse")
    credentials = {"email": "ann@example.com", "password": "correct horse"}

    assert client.post("/store/auth", json=credentials).status_code == 200
    refused = client.post("/store/auth", json=credentials)

    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["type"] == "unavailable"
    assert inner.count("check") == 1
