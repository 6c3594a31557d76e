"""hashless' own state in a store's database, in a schema of its own.

A platform whose customers live in a store's database (Medusa v1, Medusa v2) keeps
sessions, reset tokens, audit events, throttle counters and credential marks in one
PostgreSQL schema (``HASHLESS_STATE_SCHEMA``, default ``hashless``) of that same
database, so one transaction covers the store's customer row and hashless' state.
Its own Alembic chain creates them, with its version table in that schema; nothing
here alters a table of the store.

The state models are the standalone ones (``hashless.storage.models``, schema None)
plus :class:`CredentialMark`; :func:`state_engine` translates their schema into the
state schema. A platform's own tables (Medusa's ``customer``) are modelled with the
placeholder schema :data:`STORE_SCHEMA`, which the same map sends to the connection's
default schema, where the store's tables are.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from hashless.storage.db import Migrations
from hashless.storage.hosted.models import STATE_TABLES, CredentialMark, HostedBase

__all__ = [
    "STATE_TABLES",
    "STORE_SCHEMA",
    "CredentialMark",
    "HostedBase",
    "hosted_migrations",
    "state_engine",
]

STORE_SCHEMA = "store"
"""The schema name a platform's models give the store's own tables: never rendered."""

_SCRIPTS = Path(__file__).with_name("migrations")


def hosted_migrations(schema: str) -> Migrations:
    """The state chain (revisions ``h0001``...) with its version table in ``schema``."""
    return Migrations(_SCRIPTS, schema)


def state_engine(engine: Engine, schema: str) -> Engine:
    """``engine`` with hashless' tables in ``schema`` and the store's in the default one.

    The same pool and connections: only how table names are rendered changes.
    """
    return engine.execution_options(schema_translate_map={None: schema, STORE_SCHEMA: None})
