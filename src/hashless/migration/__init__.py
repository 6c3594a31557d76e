"""Lazy one-way migration of legacy credentials into a credential store."""

from hashless.migration.engine import MigrationEngine, MigrationEvent
from hashless.migration.records import (
    CredentialRecord,
    CredentialRecords,
    CredentialState,
    LockedRecord,
)

__all__ = [
    "CredentialRecord",
    "CredentialRecords",
    "CredentialState",
    "LockedRecord",
    "MigrationEngine",
    "MigrationEvent",
]
