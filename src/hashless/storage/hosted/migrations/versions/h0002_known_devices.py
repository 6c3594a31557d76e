"""known devices in a store's database (the standalone 0004_guard_known_devices)

Without the foreign key to a customer table: the customers are the store's rows.

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hashless.storage.models import UTCDateTime

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_device",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_known_device")),
    )
    op.create_index(op.f("ix_known_device_customer_id"), "known_device", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_known_device_customer_id"), table_name="known_device")
    op.drop_table("known_device")
