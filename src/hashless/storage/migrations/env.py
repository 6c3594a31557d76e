"""Alembic environment: runs against the engine hashless hands over, never a URL in a file."""

from __future__ import annotations

from alembic import context

from hashless.storage.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
