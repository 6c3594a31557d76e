"""a fence after a Cognito password write of unknown outcome

Revision ID: 0004_cognito_safety_write_fence
Revises: 0003
Create Date: 2026-12-01 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hashless.storage.models import UTCDateTime

revision = "0004_cognito_safety_write_fence"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credential_fence_until", UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("credential_fence_until")
