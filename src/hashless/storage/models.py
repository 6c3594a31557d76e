"""SQLAlchemy models of the service's tables. Alembic's migrations mirror them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditEvent",
    "Base",
    "Customer",
    "CustomerSession",
    "KnownDevice",
    "LoginThrottle",
    "ResetToken",
    "UTCDateTime",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    """``hashless.emails.email_key(email)``: what uniqueness and look-ups use."""
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    has_account: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_state: Mapped[str] = mapped_column(String(16), default="none")
    legacy_format: Mapped[str | None] = mapped_column(String(40))
    legacy_hash: Mapped[str | None] = mapped_column(Text)
    legacy_weak: Mapped[bool | None] = mapped_column(Boolean)
    """Whether ``legacy_hash`` is below the strength floor, judged when it was written.

    None: not judged (unknown format, malformed, or written by something else).
    Meaningful only while ``credential_state`` is ``legacy``.
    """
    credential_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_fence_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Until when a Cognito password write in flight (its claim) or of unknown outcome
    may still land; no other write is sent before (``MigrationEngine``, rule 6). None,
    or past: none can."""
    migrated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # One live account per email; guests with the same email may exist beside it.
        Index(
            "uq_customer_account_email",
            "email_key",
            unique=True,
            sqlite_where=text("has_account AND deleted_at IS NULL"),
            postgresql_where=text("has_account AND deleted_at IS NULL"),
        ),
        Index("ix_customer_email_key", "email_key"),
        Index("ix_customer_credential_state", "credential_state"),
        CheckConstraint(
            "credential_state IN ('legacy', 'cognito', 'none')", name="credential_state"
        ),
        # The state and the hash column can never disagree.
        CheckConstraint(
            "(credential_state = 'legacy') = (legacy_hash IS NOT NULL)", name="legacy_hash"
        ),
    )

    @property
    def shipping_addresses(self) -> list[dict[str, Any]]:
        """hashless keeps no addresses besides the billing one."""
        return []

    def __repr__(self) -> str:
        return f"Customer(id={self.id!r}, state={self.credential_state!r})"


class CustomerSession(Base):
    """A login: a cookie session or a bearer token. Only the token's hash is kept."""

    __tablename__ = "customer_session"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    """When the customer last proved the password on this session."""
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    ip: Mapped[str | None] = mapped_column(String(64))


class ResetToken(Base):
    """A password-reset token: random, stored hashed, single use, short-lived."""

    __tablename__ = "reset_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KnownDevice(Base):
    """A browser or app that logged in to an account before: it may log in past the
    limits that hold the account for everyone else. Only the token's hash is kept."""

    __tablename__ = "known_device"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who did what to which account, when, from where, with what outcome.

    ``detail`` holds only non-secret facts (a hash format, a refusal reason); never a
    password, hash or token.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(16))
    """``customer``, ``admin`` or ``system``."""
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LoginThrottle(Base):
    """Recent failed logins of one account or one client address, shared by all workers."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    """``account:<email key>`` or ``ip:<address>``."""
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
