from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.service.reset_delivery import ResetEvent
from hashless.storage import Database
from hashless.storage.models import utcnow
from tests.support import PlainSha256

ADMIN_TOKEN = "admin-token-for-tests-0123456789"


class CapturedDelivery:
    def __init__(self) -> None:
        self.events: list[ResetEvent] = []

    def deliver(self, event: ResetEvent) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def store() -> InMemoryCredentialStore:
    return InMemoryCredentialStore(
        policy=lambda p: "Password must have symbol characters" if p.startswith("weak") else None
    )


@pytest.fixture
def delivery() -> CapturedDelivery:
    return CapturedDelivery()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def context(
    db: Database, store: InMemoryCredentialStore, delivery: CapturedDelivery, clock: Clock
) -> Iterator[ServiceContext]:
    db.clock = clock
    yield ServiceContext(
        engine=MigrationEngine(
            db.records, store, VerifierRegistry([PlainSha256()]), observer=migration_auditor(db)
        ),
        db=db,
        reset_delivery=delivery,
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    db.clock = utcnow


@pytest.fixture
def client(context: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(context)) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"x-medusa-access-token": ADMIN_TOKEN}
