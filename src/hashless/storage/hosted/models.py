"""The one table hashless adds when its state lives in a store's database.

Sessions, reset tokens, audit events and throttle counters keep their standalone
models (``hashless.storage.models``); in a store's database they are created without
their foreign keys to hashless' own ``customer`` table, which is not there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hashless.storage.models import Base, UTCDateTime, utcnow

__all__ = ["STATE_TABLES", "CredentialMark", "HostedBase"]

STATE_TABLES = (
    "customer_session",
    "reset_token",
    "audit_event",
    "login_throttle",
    "known_device",
)
"""The standalone tables that every host's state schema holds too."""


class HostedBase(DeclarativeBase):
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)


class CredentialMark(HostedBase):
    """What the store's own customer row cannot say: that Cognito holds the password.

    A store customer's legacy hash stays in the store's own column (Medusa's
    ``password_hash``), which is the truth for "legacy": a hash found there is the
    newest password, whatever this row says. This row is the truth for "cognito" and
    for the blocked mark. No foreign key: the customer row is the store's.
    """

    __tablename__ = "credential"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    in_store: Mapped[bool] = mapped_column(Boolean, default=False)
    """The credential store holds a password set or checked through hashless."""
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    """The pool refused the password of the legacy hash the store row holds."""
    fence_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Until when a password write in flight (its claim) or of unknown outcome may still
    land in the credential store (``CredentialRecord.write_fence``)."""
    migrated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
