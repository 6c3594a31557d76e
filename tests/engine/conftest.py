from __future__ import annotations

from collections.abc import Callable

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.identity import new_customer_id
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.storage import Database, LegacyCustomer
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


@pytest.fixture
def add_legacy(db: Database) -> Callable[[str, str], str]:
    def add(email: str, password: str) -> str:
        (customer_id,) = db.customers.insert_legacy(
            [
                LegacyCustomer(
                    email=email,
                    legacy_format="test-sha256",
                    legacy_hash=PlainSha256.encode(password),
                )
            ],
            new_customer_id,
        )
        return customer_id

    return add
