"""What the migration engine needs from the host's customer data.

The engine never sees a database: the SQL service and the Django integration each
implement :class:`CredentialRecords` over their own tables.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

__all__ = ["CredentialRecord", "CredentialRecords", "CredentialState", "LockedRecord"]


class CredentialState(StrEnum):
    """Where an account customer's password can be checked."""

    LEGACY = "legacy"
    """Only against the legacy hash still stored with the customer."""
    COGNITO = "cognito"
    """Only in the credential store; the legacy hash is gone."""
    NONE = "none"
    """Nowhere: a guest, or an account that must set a password by reset."""


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """A snapshot of one account customer's credential, as the host stores it."""

    customer_id: str
    email: str
    state: CredentialState
    legacy_format: str | None = None
    legacy_hash: str | None = None
    blocked: bool = False
    """A legacy customer whose password the credential store refused (pool policy)."""
    write_fence: datetime | None = field(default=None, compare=False)
    """Until when (UTC) an earlier password write whose outcome is unknown may still
    land in the credential store; no other write may be sent before. Read under the
    lock (``LockedRecord.record``); elsewhere it may be None. Not compared: it says
    nothing about which password the record accepts."""

    def __repr__(self) -> str:
        # Keeps the hash out of tracebacks and log lines that format the record.
        return (
            f"CredentialRecord(customer_id={self.customer_id!r}, state={self.state.value!r}, "
            f"legacy_format={self.legacy_format!r}, blocked={self.blocked!r})"
        )


class LockedRecord(Protocol):
    """A customer's credential under an exclusive lock held by this process.

    The lock lasts until the ``locked()`` context exits. Changes become visible to
    others only when it exits normally; an exception discards them all.
    """

    @property
    def record(self) -> CredentialRecord:
        """The record as read under the lock."""

    def mark_in_store(self) -> None:
        """The password now lives in the credential store: drop the legacy hash and
        the ``write_fence``."""

    def mark_blocked(self) -> None:
        """Keep the legacy hash; the credential store refused the password."""

    def fence_writes(self, until: datetime | None) -> None:
        """A password write may still land until ``until``: keep it as ``write_fence``
        (None: clear it).

        Stored across processes, like the record itself, and committed like any other
        change when the ``locked()`` block exits normally; the writer recognises its
        own claim by the exact value (whole seconds). ``mark_in_store`` clears it.
        """

    def set_email(self, email: str) -> None:
        """Change the email; raise ``AccountExists`` if another account holds it."""

    def mark_deleted(self) -> None:
        """Delete the customer (soft or hard, as the host prefers) and its legacy hash."""


class CredentialRecords(Protocol):
    """Read and lock the credentials of account customers."""

    def find_by_email(self, email: str) -> CredentialRecord | None:
        """The live account customer with this email (case-insensitive), if any."""

    def get(self, customer_id: str) -> CredentialRecord | None:
        """The live account customer with this id, if any."""

    def locked(self, customer_id: str) -> AbstractContextManager[LockedRecord | None]:
        """Lock one customer's credential across every process sharing the data.

        Yields None if the customer no longer exists. Row lock or equivalent: two
        holders for the same customer never overlap, so credential-store writes for
        one customer happen in a single, serial order.
        """
