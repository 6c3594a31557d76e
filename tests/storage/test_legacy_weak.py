"""``customer.legacy_weak``: judged when a hash is written, backfilled by migration 0003."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from hashless.identity import new_customer_id
from hashless.storage import Database, LegacyCustomer
from hashless.storage.db import _alembic_config
from tests.importing.medusa import medusa_v1_hash
from tests.legacy.helpers import load

STRONG_ARGON2 = next(v.encoded for v in load("argon2_php.json") if "m=65536" in v.encoded)


def test_insert_legacy_judges_each_hash(db: Database) -> None:
    """Seeded customers carry their hash's strength; the stats count the weak ones."""
    db.customers.insert_legacy(
        [
            LegacyCustomer("weak@example.com", "medusa-v1", medusa_v1_hash("pw")),
            LegacyCustomer("strong@example.com", "argon2", STRONG_ARGON2),
            LegacyCustomer("odd@example.com", "no-such-format", "x"),
        ],
        new_customer_id,
    )
    stats = db.customers.credential_stats()
    assert (stats.legacy, stats.weak) == (3, 1)


def test_migration_0003_judges_the_hashes_already_stored(sqlite_db: Database) -> None:
    """Upgrading a database that already holds legacy hashes flags each one."""
    config = _alembic_config(sqlite_db.engine)
    command.downgrade(config, "0002")
    rows = [
        ("cus_w", "medusa-v1", medusa_v1_hash("pw"), "legacy"),
        ("cus_s", "argon2", STRONG_ARGON2, "legacy"),
        ("cus_u", "no-such-format", "x", "legacy"),
        ("cus_c", None, None, "cognito"),
    ]
    with sqlite_db.engine.begin() as connection:
        for customer_id, fmt, encoded, state in rows:
            connection.execute(
                text(
                    "INSERT INTO customer (id, email, email_key, has_account, credential_state,"
                    " legacy_format, legacy_hash, credential_blocked, created_at, updated_at)"
                    " VALUES (:id, :email, :email, 1, :state, :fmt, :hash, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": customer_id, "email": f"{customer_id}@x.co", "state": state}
                | {"fmt": fmt, "hash": encoded},
            )
    command.upgrade(config, "head")
    with sqlite_db.engine.connect() as connection:
        flags = dict(connection.execute(text("SELECT id, legacy_weak FROM customer")).all())
    assert flags == {"cus_w": 1, "cus_s": 0, "cus_u": None, "cus_c": None}
    assert sqlite_db.customers.credential_stats().weak == 1
