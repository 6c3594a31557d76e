"""SQL storage for the HTTP service: SQLAlchemy 2 models, Alembic migrations, repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.customers import CredentialStats, CustomerRepository, LegacyCustomer
from hashless.storage.db import create_database_engine, migrate, schema_is_current
from hashless.storage.records import SqlCredentialRecords
from hashless.storage.reset_tokens import RESET_TOKEN_TTL, ResetTokenRepository
from hashless.storage.sessions import SessionInfo, SessionRepository

__all__ = [
    "RESET_TOKEN_TTL",
    "CredentialStats",
    "CustomerRepository",
    "Database",
    "LegacyCustomer",
    "ResetTokenRepository",
    "SessionInfo",
    "SessionRepository",
    "SqlCredentialRecords",
    "create_database_engine",
    "migrate",
    "schema_is_current",
]


@dataclass
class Database:
    """One engine and the repositories over it."""

    engine: Engine
    session_idle: timedelta = timedelta(days=1)
    session_absolute: timedelta = timedelta(days=30)
    sessions_factory: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.records = SqlCredentialRecords(self.sessions_factory)
        self.customers = CustomerRepository(self.sessions_factory)
        self.sessions = SessionRepository(
            self.sessions_factory, idle=self.session_idle, absolute=self.session_absolute
        )
        self.reset_tokens = ResetTokenRepository(self.sessions_factory)

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 16, apply_migrations: bool = True,
                session_idle: timedelta = timedelta(days=1),
                session_absolute: timedelta = timedelta(days=30)) -> Database:
        engine = create_database_engine(url, pool_size=pool_size)
        if apply_migrations:
            migrate(engine)
        return cls(engine, session_idle, session_absolute)
