from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.importing import ImportSummary, import_customers, open_source
from hashless.legacy import VerifierRegistry, default_registry
from hashless.migration import MigrationEngine
from hashless.storage import Database
from hashless.storage.models import Customer

Importer = Callable[..., ImportSummary]


@pytest.fixture(scope="session")
def registry() -> VerifierRegistry:
    return default_registry()


@pytest.fixture
def store() -> InMemoryCredentialStore:
    return InMemoryCredentialStore()


@pytest.fixture
def engine(
    db: Database, store: InMemoryCredentialStore, registry: VerifierRegistry
) -> MigrationEngine:
    """The real login path: the default registry, the in-memory credential store."""
    return MigrationEngine(db.records, store, registry)


@pytest.fixture
def run_import(db: Database, registry: VerifierRegistry) -> Importer:
    def run(path: Path | str, **options: Any) -> ImportSummary:
        return import_customers(db, open_source(str(path), None), registry, **options)

    return run


def table(db: Database) -> dict[str, dict[str, Any]]:
    """Every customer row, every column, by id."""
    with db.engine.connect() as connection:
        rows = connection.execute(select(Customer.__table__)).mappings()
        return {row["id"]: dict(row) for row in rows}
