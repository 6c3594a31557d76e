"""legacy hash strength, judged when the hash is written

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 07:58:10.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hashless.legacy import default_registry, hash_is_weak

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legacy_weak", sa.Boolean(), nullable=True))
    _judge_existing_hashes()


def _judge_existing_hashes() -> None:
    """Judge the hashes already stored, so the stats count them from the first day.

    Parsing only (no hashing): about a second per 100,000 hashes.
    """
    registry = default_registry()
    customer = sa.table(
        "customer",
        sa.column("id", sa.String()),
        sa.column("credential_state", sa.String()),
        sa.column("legacy_format", sa.String()),
        sa.column("legacy_hash", sa.Text()),
        sa.column("legacy_weak", sa.Boolean()),
    )
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.select(customer.c.id, customer.c.legacy_format, customer.c.legacy_hash)
            .where(customer.c.credential_state == "legacy", customer.c.id > after)
            .order_by(customer.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        judged = [
            {"key": id_, "weak": hash_is_weak(registry, encoded or "", format_name=format_name)}
            for id_, format_name, encoded in rows
        ]
        connection.execute(
            customer.update()
            .where(customer.c.id == sa.bindparam("key"))
            .values(legacy_weak=sa.bindparam("weak")),
            judged,
        )
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("legacy_weak")
