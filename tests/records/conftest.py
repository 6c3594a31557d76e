"""Every ``CredentialRecords`` adapter of the SQL service, behind one fixture.

The contract tests in this folder run against each: hashless' own customer table
(SQLite and PostgreSQL) and Medusa v1's ``customer`` table with hashless' state
schema beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from hashless.identity import new_customer_id
from hashless.storage import CustomerRepository, Database, LegacyCustomer


@dataclass
class Adapter:
    name: str
    db: Database
    add_legacy: Callable[[str, str], str]
    """Adds an account customer with this email and legacy hash; returns its id."""
    add_other: Callable[[str, bool, bool], str]
    """Adds a customer without a password: (email, has_account, deleted); returns its id."""


def _standalone(name: str, db: Database) -> Adapter:
    customers = CustomerRepository(db.sessions_factory)

    def add_legacy(email: str, encoded: str) -> str:
        (customer_id,) = customers.insert_legacy(
            [LegacyCustomer(email=email, legacy_format="test-sha256", legacy_hash=encoded)],
            new_customer_id,
        )
        return customer_id

    def add_other(email: str, has_account: bool, deleted: bool) -> str:
        customer_id = new_customer_id()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO customer (id, email, email_key, has_account, credential_state,"
                    " credential_blocked, created_at, updated_at, deleted_at) VALUES (:id, :e,"
                    " :e, :a, 'none', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                    " CASE WHEN :d THEN CURRENT_TIMESTAMP END)"
                ),
                {"id": customer_id, "e": email, "a": has_account, "d": deleted},
            )
        return customer_id

    return Adapter(name, db, add_legacy, add_other)


def medusa_adapter(db: Database) -> Adapter:
    def insert(email: str, encoded: str | None, has_account: bool, deleted: bool) -> str:
        customer_id = new_customer_id()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO public.customer (id, email, password_hash, has_account,"
                    " deleted_at) VALUES (:id, :email, :hash, :account,"
                    " CASE WHEN :deleted THEN now() END)"
                ),
                {
                    "id": customer_id,
                    "email": email,
                    "hash": encoded,
                    "account": has_account,
                    "deleted": deleted,
                },
            )
        return customer_id

    return Adapter(
        "medusa-v1",
        db,
        lambda email, encoded: insert(email, encoded, True, False),
        lambda email, account, deleted: insert(email, None, account, deleted),
    )


@pytest.fixture(
    params=[
        "standalone-sqlite",
        pytest.param("standalone-postgres", marks=pytest.mark.postgres),
        pytest.param("medusa-v1", marks=pytest.mark.postgres),
    ]
)
def adapter(request: pytest.FixtureRequest) -> Adapter:
    if request.param == "medusa-v1":
        return medusa_adapter(request.getfixturevalue("medusa_v1_db"))
    backend = request.param.removeprefix("standalone-")
    return _standalone(request.param, request.getfixturevalue("db_" + backend))


@pytest.fixture
def db_sqlite(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def db_postgres(postgres_db: Database) -> Database:
    from tests.conftest import _empty

    _empty(postgres_db)
    return postgres_db
