"""``--from medusa-v1`` / ``--from medusa-v2``: straight from Medusa's own PostgreSQL schemas.

The schemas are Medusa's, as its migrations create them: v1's ``customer`` table
(packages/medusa/src/migrations/1611063162649-initial_schema.ts, with the later
email + has_account unique index), v2's customer module table and the auth module's
``auth_identity`` / ``provider_identity`` (packages/modules/auth/src/migrations,
including the 2024-12 ``deleted_at`` columns). They need PostgreSQL: skipped without
it, failed under CI=true (the ``postgres_database`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import ConfigurationError
from hashless.importing import ImportSummary, MedusaDatabase, MedusaVersion, import_customers
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.storage import Database
from tests.legacy.helpers import load
from tests.medusa_v1_schema import MEDUSA_V1_DDL
from tests.support import scratch_database

from .conftest import table
from .medusa import medusa_v1_hash

pytestmark = pytest.mark.postgres

MEDUSA_V2_SCHEMA = """
CREATE TABLE IF NOT EXISTS "customer" ("id" text NOT NULL, "company_name" text NULL,
  "first_name" text NULL, "last_name" text NULL, "email" text NULL, "phone" text NULL,
  "has_account" boolean NOT NULL DEFAULT false, "metadata" jsonb NULL,
  "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(),
  "deleted_at" timestamptz NULL, "created_by" text NULL,
  CONSTRAINT "customer_pkey" PRIMARY KEY ("id"));
CREATE TABLE IF NOT EXISTS "auth_identity" ("id" text NOT NULL, "app_metadata" jsonb NULL,
  "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(),
  "deleted_at" timestamptz NULL, CONSTRAINT "auth_identity_pkey" PRIMARY KEY ("id"));
CREATE TABLE IF NOT EXISTS "provider_identity" ("id" text NOT NULL, "entity_id" text NOT NULL,
  "provider" text NOT NULL, "auth_identity_id" text NOT NULL, "user_metadata" jsonb NULL,
  "provider_metadata" jsonb NULL, "created_at" timestamptz NOT NULL DEFAULT now(),
  "updated_at" timestamptz NOT NULL DEFAULT now(), "deleted_at" timestamptz NULL,
  CONSTRAINT "provider_identity_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "IDX_provider_identity_provider_entity_id"
  ON "provider_identity" (entity_id, provider);
ALTER TABLE "provider_identity" ADD CONSTRAINT "provider_identity_auth_identity_id_foreign"
  FOREIGN KEY ("auth_identity_id") REFERENCES "auth_identity" ("id")
  ON UPDATE CASCADE ON DELETE CASCADE;
"""


@pytest.fixture
def medusa_url(postgres_database: str) -> Iterator[str]:
    """An empty scratch database beside the test one, dropped afterwards."""
    with scratch_database(postgres_database, "medusa_source") as url:
        # A plain postgresql:// URL, as an operator would paste it.
        yield make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _execute(url: str, sql: str, rows: list[dict[str, object]] | None = None) -> None:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        if rows is None:
            connection.exec_driver_sql(sql)
        else:
            connection.execute(text(sql), rows)
    engine.dispose()


def _import(
    db: Database, registry: VerifierRegistry, url: str, version: MedusaVersion
) -> ImportSummary:
    return import_customers(db, MedusaDatabase(url, version), registry)


def test_medusa_v1_customer_table_imports_and_logs_in(
    medusa_url: str, db: Database, registry: VerifierRegistry
) -> None:
    """Accounts come with their ids and hashes; guests and deleted customers stay behind."""
    _execute(medusa_url, MEDUSA_V1_DDL)
    _execute(
        medusa_url,
        "INSERT INTO customer (id, email, first_name, password_hash, has_account, metadata,"
        " deleted_at) VALUES (:id, :email, :first_name, :hash, :account,"
        " CAST(:metadata AS jsonb), CAST(:deleted AS timestamptz))",
        [
            {"id": "cus_01A", "email": "ann@example.com", "first_name": "Ann",
             "hash": medusa_v1_hash("ann's password"), "account": True,
             "metadata": json.dumps({"vip": True}), "deleted": None},
            {"id": "cus_01B", "email": "ann@example.com", "first_name": "Ann",
             "hash": None, "account": False, "metadata": None, "deleted": None},
            {"id": "cus_01C", "email": "gone@example.com", "first_name": "Gone",
             "hash": medusa_v1_hash("gone"), "account": True, "metadata": None,
             "deleted": "2024-02-03T04:05:06Z"},
        ],
    )  # fmt: skip
    summary = _import(db, registry, medusa_url, "medusa-v1")
    assert summary.imported == 1
    assert summary.to_json()["skipped"] == {"guest (no account)": 1, "deleted in the source": 1}
    stored = table(db)
    assert set(stored) == {"cus_01A"}
    assert stored["cus_01A"]["metadata"] == {"vip": True}
    assert stored["cus_01A"]["legacy_format"] == "medusa-v1"
    store = InMemoryCredentialStore()
    engine = MigrationEngine(db.records, store, registry)
    assert engine.login("ann@example.com", "ann's password").state.value == "cognito"
    again = _import(db, registry, medusa_url, "medusa-v1")
    assert again.imported == 0 and again.to_json()["skipped"]["already in Cognito"] == 1


def test_medusa_v2_emailpass_identities_import_and_log_in(
    medusa_url: str, db: Database, registry: VerifierRegistry
) -> None:
    """The emailpass password is found through app_metadata.customer_id; others are reported."""
    vector = next(v for v in load("medusa_scrypt_kdf.json") if v.format == "medusa-v2")
    _execute(medusa_url, MEDUSA_V2_SCHEMA)
    _execute(
        medusa_url,
        "INSERT INTO customer (id, email, has_account) VALUES (:id, :email, :account)",
        [
            {"id": "cus_02A", "email": "bo@example.com", "account": True},
            {"id": "cus_02B", "email": "google@example.com", "account": True},
            {"id": "cus_02C", "email": "guest@example.com", "account": False},
            {"id": "cus_02D", "email": "removed@example.com", "account": True},
        ],
    )
    _execute(
        medusa_url,
        "INSERT INTO auth_identity (id, app_metadata) VALUES (:id, CAST(:app AS jsonb))",
        [{"id": f"authid_{c}", "app": json.dumps({"customer_id": f"cus_02{c}"})} for c in "ABD"],
    )
    _execute(
        medusa_url,
        "INSERT INTO provider_identity (id, entity_id, provider, auth_identity_id,"
        " provider_metadata, deleted_at) VALUES (:id, :entity, :provider, :auth,"
        " CAST(:meta AS jsonb), CAST(:deleted AS timestamptz))",
        [
            {"id": "provid_A", "entity": "bo@example.com", "provider": "emailpass",
             "auth": "authid_A", "meta": json.dumps({"password": vector.encoded}),
             "deleted": None},
            {"id": "provid_B", "entity": "google-sub-1", "provider": "google",
             "auth": "authid_B", "meta": None, "deleted": None},
            {"id": "provid_D", "entity": "removed@example.com", "provider": "emailpass",
             "auth": "authid_D", "meta": json.dumps({"password": medusa_v1_hash("x")}),
             "deleted": "2025-01-01T00:00:00Z"},
        ],
    )  # fmt: skip
    summary = _import(db, registry, medusa_url, "medusa-v2")
    assert summary.to_json()["formats"] == {
        "(no password)": {"imported": 2, "updated": 0},
        "medusa-v2": {"imported": 1, "updated": 0},
    }
    assert summary.to_json()["skipped"] == {"guest (no account)": 1}
    stored = table(db)
    assert stored["cus_02A"]["legacy_hash"] == vector.encoded
    assert stored["cus_02B"]["credential_state"] == "none"  # a Google login: reset to set one
    assert stored["cus_02D"]["credential_state"] == "none"  # its password identity was deleted
    engine = MigrationEngine(db.records, InMemoryCredentialStore(), registry)
    assert engine.login("bo@example.com", vector.password).state.value == "cognito"


def test_a_database_that_is_not_medusa_is_a_one_line_error(
    medusa_url: str, sqlite_db: Database, registry: VerifierRegistry
) -> None:
    """No customer table: a ConfigurationError naming host and database, never the password."""
    with pytest.raises(ConfigurationError, match="cannot read the medusa-v1 customers"):
        _import(sqlite_db, registry, medusa_url, "medusa-v1")


def test_only_postgresql_urls_are_read() -> None:
    """A Medusa database is PostgreSQL; anything else is refused before connecting."""
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        MedusaDatabase("sqlite:///medusa.db", "medusa-v1")
    with pytest.raises(ConfigurationError, match="database URL"):
        MedusaDatabase("not a url", "medusa-v2")
