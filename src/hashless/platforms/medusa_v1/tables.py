"""Medusa v1's own tables, as far as hashless reads or writes them.

Medusa's migrations create them; hashless never creates, alters or migrates them.
Their schema is the placeholder ``STORE_SCHEMA``: on the state engine it renders as
the connection's default schema, where Medusa's tables are.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from hashless.storage.hosted import STORE_SCHEMA

__all__ = ["ADDRESS_COLUMNS", "address", "customer", "medusa_metadata", "staged_job"]

medusa_metadata = MetaData(schema=STORE_SCHEMA)

customer = Table(
    "customer",
    medusa_metadata,
    Column("id", String, primary_key=True),
    Column("email", String, nullable=False),
    Column("first_name", String),
    Column("last_name", String),
    Column("billing_address_id", String),
    Column("password_hash", String),
    Column("phone", String),
    Column("has_account", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
    Column("metadata", JSONB),
)

ADDRESS_COLUMNS = (
    "id",
    "customer_id",
    "company",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "country_code",
    "province",
    "postal_code",
    "phone",
    "created_at",
    "updated_at",
    "deleted_at",
    "metadata",
)
"""What Medusa's store API shows of an address (its ``country`` relation aside)."""

address = Table(
    "address",
    medusa_metadata,
    *(
        Column(
            name,
            DateTime(timezone=True)
            if name.endswith("_at")
            else JSONB
            if name == "metadata"
            else String,
            primary_key=name == "id",
        )
        for name in ADDRESS_COLUMNS
    ),
)

staged_job = Table(
    "staged_job",
    medusa_metadata,
    Column("id", String, primary_key=True),
    Column("event_name", String, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("options", JSONB, nullable=False),
)
"""Events Medusa's event bus dispatches once their transaction has committed."""
