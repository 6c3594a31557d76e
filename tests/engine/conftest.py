from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.identity import new_customer_id
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.storage import Database, LegacyCustomer


class PlainSha256:
    """A stand-in legacy format for engine tests: ``sha256$<hex>``, with a hook on verify."""

    name = "test-sha256"

    def __init__(self) -> None:
        self.on_verify: Callable[[], None] | None = None

    @staticmethod
    def encode(password: str) -> str:
        return "sha256$" + hashlib.sha256(password.encode()).hexdigest()

    def identify(self, encoded: str) -> bool:
        return encoded.startswith("sha256$")

    def verify(self, password: str, encoded: str) -> bool:
        hook, self.on_verify = self.on_verify, None
        if hook is not None:
            hook()
        return hmac.compare_digest(self.encode(password), encoded)


@pytest.fixture
def legacy_format() -> PlainSha256:
    return PlainSha256()


@pytest.fixture
def store() -> InMemoryCredentialStore:
    def policy(password: str) -> str | None:
        return "Password must have symbol characters" if password.startswith("weak") else None

    return InMemoryCredentialStore(policy=policy)


@pytest.fixture
def engine(db: Database, store: InMemoryCredentialStore, legacy_format: PlainSha256) -> MigrationEngine:
    return MigrationEngine(db.records, store, VerifierRegistry([legacy_format]))


@pytest.fixture
def add_legacy(db: Database) -> Callable[[str, str], str]:
    def add(email: str, password: str) -> str:
        (customer_id,) = db.customers.insert_legacy(
            [LegacyCustomer(email=email, legacy_format="test-sha256",
                            legacy_hash=PlainSha256.encode(password))],
            new_customer_id,
        )
        return customer_id

    return add
