"""SQL storage for the HTTP service: SQLAlchemy 2 models, Alembic migrations, repositories."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.audit import AuditEntry, AuditLog
from hashless.storage.customers import CustomerRepository, LegacyCustomer
from hashless.storage.db import create_database_engine, migrate, schema_is_current
from hashless.storage.devices import KnownDeviceRepository
from hashless.storage.layout import CredentialStats, CustomerRow, CustomerTable, StoreLayout
from hashless.storage.models import utcnow
from hashless.storage.records import SqlCredentialRecords
from hashless.storage.reset_tokens import RESET_TOKEN_TTL, ResetTokenRepository
from hashless.storage.sessions import SessionInfo, SessionRepository
from hashless.storage.throttle import LoginThrottleRepository, ThrottleRule, ThrottleState
from hashless.storage.writes import Writes, writes

__all__ = [
    "RESET_TOKEN_TTL",
    "STANDALONE",
    "AuditEntry",
    "AuditLog",
    "CredentialStats",
    "CustomerRepository",
    "CustomerRow",
    "CustomerTable",
    "Database",
    "KnownDeviceRepository",
    "LegacyCustomer",
    "LoginThrottleRepository",
    "ResetTokenRepository",
    "SessionInfo",
    "SessionRepository",
    "SqlCredentialRecords",
    "StoreLayout",
    "ThrottleRule",
    "ThrottleState",
    "Writes",
    "create_database_engine",
    "migrate",
    "schema_is_current",
]


STANDALONE = StoreLayout(CustomerRepository)
"""hashless' own customer table, its state beside it in the default schema."""


@dataclass
class Database:
    """One engine and the repositories over it."""

    engine: Engine
    """As the repositories use it: ``layout.bind`` applied."""
    session_idle: timedelta = timedelta(days=1)
    session_absolute: timedelta = timedelta(days=30)
    clock: Callable[[], datetime] = utcnow
    """Time for session and token expiry; tests swap it for a fake clock."""
    layout: StoreLayout = STANDALONE
    sessions_factory: sessionmaker[Session] = field(init=False)
    readers: sessionmaker[Session] = field(init=False)
    """Sessions for reads only. On PostgreSQL their statements run outside any
    transaction (autocommit), which saves the ``BEGIN`` and ``ROLLBACK`` round trips
    each login and each passed request would pay for a read; a write through one would
    commit at once, so none is made."""

    def __post_init__(self) -> None:
        self.sessions_factory = sessionmaker(self.engine, expire_on_commit=False)
        postgresql = self.engine.dialect.name == "postgresql"
        self._autocommit = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if postgresql
            else self.engine
        )
        self.readers = sessionmaker(self._autocommit) if postgresql else self.sessions_factory
        self.customers: CustomerTable = self.layout.customers(self.sessions_factory)
        self.records = self.customers.records
        now = lambda: self.clock()  # noqa: E731  (late-bound, so a swapped clock applies)
        self.sessions = SessionRepository(
            self.sessions_factory,
            self.customers,
            readers=self.readers,
            idle=self.session_idle,
            absolute=self.session_absolute,
            clock=now,
        )
        self.reset_tokens = ResetTokenRepository(self.sessions_factory, clock=now)
        self.audit = AuditLog(self.sessions_factory, clock=now)
        self.throttle = LoginThrottleRepository(self.sessions_factory, clock=now)
        self.devices = KnownDeviceRepository(clock=now)
        self._writers: AbstractContextManager[object] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )

    def read(self) -> Session:
        """A session for reads only; ``with`` closes it. On PostgreSQL each statement
        sees the latest commit (no snapshot across statements)."""
        return self.readers()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for writes that stand or fall together: a Core connection,
        which the repositories' ``within`` takes (the ORM adds CPU, not safety, here).

        On SQLite, which has one writer at a time, this process's writers queue on a
        lock instead: SQLite's own busy handler would make them sleep and poll.
        """
        with self._writers, self.engine.begin() as connection:
            yield connection

    def writes(self) -> AbstractContextManager[Writes]:
        """Writes that commit together when the block ends normally, in one round trip
        on PostgreSQL; only writes whose results nobody reads (``hashless.storage.writes``)."""
        return writes(self.engine, self._autocommit, self.transaction)

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        pool_size: int = 16,
        apply_migrations: bool = True,
        session_idle: timedelta = timedelta(days=1),
        session_absolute: timedelta = timedelta(days=30),
        layout: StoreLayout = STANDALONE,
        on_loop: bool = False,
    ) -> Database:
        """``on_loop``: for logins on the event loop only (``create_database_engine``)."""
        engine = layout.bind(create_database_engine(url, pool_size=pool_size, on_loop=on_loop))
        if apply_migrations:
            migrate(engine, layout.migrations)
        return cls(engine, session_idle, session_absolute, layout=layout)

    def schema_is_current(self) -> bool:
        return schema_is_current(self.engine, self.layout.migrations)
