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
from hashless.service.on_loop import LOOP_AWARE, LoopLogins
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


def _engine(db: Database, store: InMemoryCredentialStore) -> MigrationEngine:
    return MigrationEngine(
        db.records,
        store,
        VerifierRegistry([PlainSha256()]),
        observer=migration_auditor(db),
        blocking=LOOP_AWARE,
    )


@pytest.fixture
def context(
    request: pytest.FixtureRequest,
    db: Database,
    store: InMemoryCredentialStore,
    delivery: CapturedDelivery,
    clock: Clock,
) -> Iterator[ServiceContext]:
    """On PostgreSQL password logins run on the event loop, as ``hashless serve`` has them."""
    db.clock = clock
    loop_db: Database | None = None
    if db.engine.dialect.name == "postgresql":
        loop_db = request.getfixturevalue("postgres_loop_db")
        loop_db.clock = clock
    yield ServiceContext(
        engine=_engine(db, store),
        loop_logins=LoopLogins(_engine(loop_db, store), loop_db, ()) if loop_db else None,
        db=db,
        reset_delivery=delivery,
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    db.clock = utcnow
    if loop_db is not None:
        loop_db.clock = utcnow


@pytest.fixture
def login_db(context: ServiceContext) -> Database:
    """The database password logins go through: ``db``, or its twin on the loop."""
    return context.loop_logins.db if context.loop_logins else context.db


@pytest.fixture
def client(context: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(context)) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"x-medusa-access-token": ADMIN_TOKEN}
