"""hashless' state in Medusa's database: its own schema, its own migrations, Medusa's untouched."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, text

from hashless.storage import Database
from hashless.storage.hosted import STATE_TABLES, HostedBase
from hashless.storage.models import Base

pytestmark = pytest.mark.postgres


def _public_schema(url: str) -> dict[str, str]:
    """Medusa's tables as PostgreSQL describes them (types printed: they compare by identity)."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {
            table: str(
                (
                    found.get_columns(table),
                    found.get_indexes(table),
                    found.get_foreign_keys(table),
                    found.get_unique_constraints(table),
                )
            )
            for table in sorted(found.get_table_names(schema="public"))
        }
    finally:
        engine.dispose()


def test_state_tables_live_in_their_own_schema(medusa_v1_db: Database) -> None:
    """Sessions, reset tokens, audit, throttle, marks and the version table are in
    ``hashless``; Medusa's schema gains no table."""
    with medusa_v1_db.engine.connect() as connection:
        tables = inspect(connection).get_table_names(schema="hashless")
        public = inspect(connection).get_table_names(schema="public")
        version = connection.execute(text("SELECT version_num FROM hashless.alembic_version"))
        assert version.scalar_one() == "h0002"
    assert sorted(tables) == sorted([*STATE_TABLES, "credential", "alembic_version"])
    assert sorted(public) == ["address", "customer", "staged_job"]
    assert medusa_v1_db.schema_is_current()


def test_migrating_leaves_medusas_tables_as_they_were(medusa_v1_database: str) -> None:
    """Applying hashless' migrations (again, from scratch) changes nothing of Medusa's."""
    from hashless.platforms.medusa_v1 import medusa_v1_layout

    before = _public_schema(medusa_v1_database)
    db = Database.connect(medusa_v1_database, layout=medusa_v1_layout("hashless_again"))
    try:
        assert db.schema_is_current()
        with db.engine.connect() as connection:
            assert "customer_session" in inspect(connection).get_table_names(
                schema="hashless_again"
            )
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA hashless_again CASCADE")
        db.engine.dispose()
    assert _public_schema(medusa_v1_database) == before


def test_state_migrations_match_the_models(medusa_v1_db: Database) -> None:
    """The state schema is the standalone state tables without their foreign keys to
    hashless' customer table, plus the credential marks: nothing else differs."""
    expected = MetaData(naming_convention=Base.metadata.naming_convention)
    for name in (*STATE_TABLES, "customer"):
        Base.metadata.tables[name].to_metadata(expected, schema="hashless")
    for table in HostedBase.metadata.sorted_tables:
        table.to_metadata(expected, schema="hashless")
    plain = create_engine(medusa_v1_db.engine.url)  # no schema translation
    with plain.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _parent: kind != "schema" or name == "hashless",
                # Only there to resolve the foreign keys the state schema goes without.
                "include_object": lambda _obj, name, kind, _reflected, _other: (
                    not (kind == "table" and name in ("customer", "alembic_version"))
                ),
            },
        )
        diff = compare_metadata(context, expected)
    plain.dispose()
    assert [d for d in diff if d[0] != "add_fk"] == []
    assert len(diff) == 3
    assert all(d[0] == "add_fk" and d[1].referred_table.name == "customer" for d in diff)


def test_state_migrations_go_down_and_up_again(medusa_v1_database: str) -> None:
    """The state chain can be undone (its tables go, Medusa's stay) and reapplied."""
    from alembic import command

    from hashless.platforms.medusa_v1 import medusa_v1_layout
    from hashless.storage.db import _alembic_config

    layout = medusa_v1_layout("hashless_cycle")
    db = Database.connect(medusa_v1_database, layout=layout)
    config = _alembic_config(db.engine, layout.migrations)
    try:
        command.downgrade(config, "base")
        assert not db.schema_is_current()
        with db.engine.connect() as connection:
            assert inspect(connection).get_table_names(schema="hashless_cycle") == [
                "alembic_version"
            ]
            assert "customer" in inspect(connection).get_table_names(schema="public")
        command.upgrade(config, "head")
        assert db.schema_is_current()
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA hashless_cycle CASCADE")
        db.engine.dispose()
