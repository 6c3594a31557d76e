"""Shared fixtures: a database per backend, the in-memory credential store, the app.

PostgreSQL tests run when 127.0.0.1:5432 (or HASHLESS_TEST_POSTGRES_URL) answers.
Under CI=true an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hashless.demo.emulator import running_emulator
from hashless.identity import new_customer_id
from hashless.platforms.medusa_v1 import medusa_v1_layout
from hashless.storage import Database, LegacyCustomer
from hashless.storage.hosted import STATE_TABLES
from hashless.storage.models import Base
from tests.medusa_v1_schema import MEDUSA_V1_DDL, MEDUSA_V1_TABLES
from tests.support import PlainSha256, scratch_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from harness import REDIS_SERVER, RedisServer

POSTGRES_URL = os.environ.get(
    "HASHLESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = _postgres_reachable()
    if problem is not None:
        message = (
            f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {problem}"
        )
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)
    with scratch_database(POSTGRES_URL, "hashless_test") as url:
        yield url


@pytest.fixture(scope="session")
def medusa_v1_database(postgres_database: str) -> Iterator[str]:
    """A second fresh database holding Medusa v1's own tables (``tests.medusa_v1_schema``)."""
    with scratch_database(POSTGRES_URL, "hashless_medusa") as url:
        medusa = create_engine(url)
        with medusa.begin() as connection:
            connection.exec_driver_sql(MEDUSA_V1_DDL)
        medusa.dispose()
        yield url


@pytest.fixture(scope="session")
def medusa_v1_session_db(medusa_v1_database: str) -> Iterator[Database]:
    db = Database.connect(medusa_v1_database, pool_size=20, layout=medusa_v1_layout("hashless"))
    yield db
    db.engine.dispose()


@pytest.fixture
def medusa_v1_db(medusa_v1_session_db: Database) -> Database:
    """hashless in medusa-v1 mode over Medusa's tables, all of them empty at the start."""
    tables = ", ".join(
        [f'public."{t}"' for t in MEDUSA_V1_TABLES]
        + [f'hashless."{t}"' for t in (*STATE_TABLES, "credential")]
    )
    with medusa_v1_session_db.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables}")
    return medusa_v1_session_db


@pytest.fixture(scope="session")
def postgres_db(postgres_database: str) -> Iterator[Database]:
    db = Database.connect(postgres_database, pool_size=60)
    yield db
    db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_loop_db(postgres_database: str) -> Database:
    """``postgres_db`` for logins on the event loop; each app's shutdown empties its pool."""
    return Database.connect(postgres_database, apply_migrations=False, on_loop=True)


def _empty(db: Database) -> None:
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """The service's database on each backend, empty at the start of the test."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hashless.db"
        database = Database.connect(f"sqlite:///{path}")
        yield database
        database.engine.dispose()
    else:
        database = request.getfixturevalue("postgres_db")
        _empty(database)
        yield database


@pytest.fixture
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("db") / "hashless.db"
    database = Database.connect(f"sqlite:///{path}")
    yield database
    database.engine.dispose()


@pytest.fixture
def add_legacy(db: Database) -> Callable[[str, str], str]:
    """Adds a legacy account customer whose hash is the test format ``test-sha256``."""

    def add(email: str, password: str) -> str:
        legacy = LegacyCustomer(
            email=email, legacy_format="test-sha256", legacy_hash=PlainSha256.encode(password)
        )
        (customer_id,) = db.customers.insert_legacy([legacy], new_customer_id)
        return customer_id

    return add


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """For tests that configure logging as a command does: the root logger as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One in-process moto server for the session; each test provisions its own pool."""
    with running_emulator() as endpoint:
        yield endpoint


@contextmanager
def private_redis() -> Iterator[RedisServer]:
    """A private ``redis-server`` (its own port, nothing on disk), stopped after; skips
    without Debian's redis-server, which CI=true requires."""
    if REDIS_SERVER is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server)"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = RedisServer(port)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis for one test, which the test may pause or stop (marker ``redis``)."""
    with private_redis() as server:
        yield server
