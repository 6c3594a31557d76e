"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hashless.storage import Database, schema_is_current
from hashless.storage.db import _alembic_config
from hashless.storage.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    """No difference between the migrated database and the SQLAlchemy models."""
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert schema_is_current(db.engine)


def test_migrations_go_down_and_up_again(sqlite_db: Database) -> None:
    """Every revision can be undone and reapplied."""
    config = _alembic_config(sqlite_db.engine)
    command.downgrade(config, "base")
    assert not schema_is_current(sqlite_db.engine)
    command.upgrade(config, "head")
    assert schema_is_current(sqlite_db.engine)


def test_state_and_hash_can_never_disagree(sqlite_db: Database) -> None:
    """The database itself refuses a legacy state without a hash (and a hash in any other state)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from hashless.storage.models import Customer

    with pytest.raises(IntegrityError), sqlite_db.sessions_factory.begin() as session:
        session.add(
            Customer(
                id="cus_1",
                email="a@b.co",
                email_key="a@b.co",
                has_account=True,
                credential_state="legacy",
                credential_blocked=False,
            )
        )
    with pytest.raises(IntegrityError), sqlite_db.sessions_factory.begin() as session:
        session.add(
            Customer(
                id="cus_2",
                email="a@b.co",
                email_key="a@b.co",
                has_account=True,
                credential_state="cognito",
                legacy_hash="x",
                credential_blocked=False,
            )
        )
