"""Alembic environment for hashless' state in a store's database.

The engine hashless hands over translates the scripts' unqualified table names into
the state schema (``schema_translate_map``), and the version table lives there too:
the store's own schema is never touched.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.schema import CreateSchema

from hashless.storage.hosted.models import HostedBase

engine = context.config.attributes["engine"]
schema = context.config.attributes["schema"]

with engine.begin() as connection:
    connection.execute(CreateSchema(schema, if_not_exists=True))
    context.configure(
        connection=connection,
        target_metadata=HostedBase.metadata,
        version_table_schema=schema,
    )
    context.run_migrations()
