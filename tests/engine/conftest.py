from __future__ import annotations

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.storage import Database
from tests.support import PlainSha256


@pytest.fixture
def legacy_format() -> PlainSha256:
    return PlainSha256()


@pytest.fixture
def store() -> InMemoryCredentialStore:
    def policy(password: str) -> str | None:
        return "Password must have symbol characters" if password.startswith("weak") else None

    return InMemoryCredentialStore(policy=policy)


@pytest.fixture
def engine(
    db: Database, store: InMemoryCredentialStore, legacy_format: PlainSha256
) -> MigrationEngine:
    return MigrationEngine(db.records, store, VerifierRegistry([legacy_format]))
