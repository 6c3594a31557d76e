"""known devices: logins past the limits for devices that logged in before

Revision ID: 0004_guard_known_devices
Revises: 0004_cognito_safety_write_fence
Create Date: 2026-12-01 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hashless.storage.models

revision = "0004_guard_known_devices"
down_revision = "0004_cognito_safety_write_fence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_device",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hashless.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hashless.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_known_device_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_known_device")),
    )
    with op.batch_alter_table("known_device", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_known_device_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("known_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_device_customer_id"))
    op.drop_table("known_device")
