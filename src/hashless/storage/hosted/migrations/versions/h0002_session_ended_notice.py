"""Tell listeners of every ended session (the Medusa pass-through remembers live ones)

A row deleted from ``customer_session``, or one whose token, customer or expiry
changes, notifies ``<schema>.session_ended`` with the session's id when its
transaction commits; a truncation notifies ``*``.
(``hashless.platforms.medusa_v1.live_sessions`` has the argument.)

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

from alembic import context, op

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None


def _schema() -> str:
    schema: str = context.config.attributes["schema"]
    return '"' + schema.replace('"', '""') + '"'


def upgrade() -> None:
    schema = _schema()
    op.execute(
        f"""
        CREATE FUNCTION {schema}.customer_session_ended() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '.session_ended', '*');
            ELSE
                PERFORM pg_notify(TG_TABLE_SCHEMA || '.session_ended', OLD.id);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER customer_session_ended
        AFTER DELETE OR UPDATE OF token_hash, customer_id, expires_at
        ON {schema}.customer_session
        FOR EACH ROW EXECUTE FUNCTION {schema}.customer_session_ended()
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER customer_session_truncated
        AFTER TRUNCATE ON {schema}.customer_session
        FOR EACH STATEMENT EXECUTE FUNCTION {schema}.customer_session_ended()
        """
    )


def downgrade() -> None:
    schema = _schema()
    op.execute(f"DROP TRIGGER customer_session_truncated ON {schema}.customer_session")
    op.execute(f"DROP TRIGGER customer_session_ended ON {schema}.customer_session")
    op.execute(f"DROP FUNCTION {schema}.customer_session_ended()")
