"""Database engines tuned per backend, and the schema migrations that build them."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    TableClause,
    column,
    create_engine,
    event,
    inspect,
    select,
    table,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InvalidatePoolError,
    NoSuchModuleError,
    OperationalError,
)

from hashless.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "LOCK_OPTIONS",
    "STANDALONE_MIGRATIONS",
    "Migrations",
    "SchemaState",
    "SchemaStatus",
    "create_database_engine",
    "inspect_schema",
    "migrate",
    "schema_is_current",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Migrations:
    """One chain of Alembic scripts and where its version table lives."""

    scripts: Path
    schema: str | None = None
    """The schema of the version table (and, through the engine's translate map, of the
    tables); None: the connection's default schema."""

    @property
    def version_table(self) -> TableClause:
        return table("alembic_version", column("version_num"), schema=self.schema)


STANDALONE_MIGRATIONS = Migrations(_MIGRATIONS)
"""hashless' own database: its customer table and its state, in the default schema."""

LOCK_OPTIONS = {"sqlite_begin": "IMMEDIATE"}
"""Execution options for a transaction that locks a customer's credential.

PostgreSQL locks the row (``SELECT ... FOR UPDATE``); SQLite has no row locks, so
such a transaction starts with ``BEGIN IMMEDIATE`` and holds the database's write
lock, which other processes wait on through ``busy_timeout``.
"""


class _DropRows(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG: a row can hold a legacy hash."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


_DROP_ROWS = _DropRows()


def _keep_rows_out_of_logs() -> None:
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logger = logging.getLogger(name)
        if _DROP_ROWS not in logger.filters:
            logger.addFilter(_DROP_ROWS)


PING_AFTER_IDLE = 1.0
"""Seconds a pooled connection may have sat unused and still be handed out unchecked.

``pool_pre_ping`` would cost a round trip at every checkout, two per login; under load
connections go back and out within milliseconds, so only one that rested longer (when a
restarted server or an idle timeout could have ended it unseen) is pinged. A connection
ended within the second is found by its first statement: SQLAlchemy then discards every
pooled connection older than the failure, and the login's read is retried once
(``hashless.service.guard``)."""

RECYCLE_SECONDS = 1800
"""No connection is kept longer than this: a proxy or firewall may drop old ones."""


def create_database_engine(url: str, *, pool_size: int = 16, on_loop: bool = False) -> Engine:
    """An engine for ``url``; raises ``ConfigurationError`` for an unusable URL.

    Statement parameters never reach logs or exception texts (``hide_parameters``),
    nor do result rows: both can carry legacy hashes and token hashes.

    ``on_loop`` (PostgreSQL only): the synchronous face of an asyncio engine (psycopg's
    async driver), usable only from code that ``hashless.service.on_loop`` runs.
    """
    _keep_rows_out_of_logs()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "HASHLESS_DATABASE_URL is not a database URL: use e.g. "
            "postgresql+psycopg://user@host/db or sqlite:///path/to/hashless.db"
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        options: dict[str, Any] = {
            "pool_size": pool_size,
            "max_overflow": pool_size // 2,
            # The connection used last goes out next: under light load a few warm
            # connections serve everything (their backends awake, their statements
            # prepared), where a queue would cycle through all of them; the idle
            # rest are pinged when they come back (_ping_when_rested). A first login
            # took 2-3 ms less this way (README, Medusa v1 benchmarks).
            "pool_use_lifo": True,
            "pool_recycle": RECYCLE_SECONDS,
            "hide_parameters": True,
        }
        if on_loop:
            # Here, not at the top: SQLAlchemy's asyncio module will not import without
            # greenlet, which only the service extra installs (the CLI and Django need
            # neither).
            from sqlalchemy.ext.asyncio import create_async_engine

            async_url = parsed.set(drivername="postgresql+psycopg")
            engine = create_async_engine(async_url, **options).sync_engine
        else:
            engine = create_engine(url, **options)
        _ping_when_rested(engine)
        return engine
    except NoSuchModuleError:
        raise ConfigurationError(
            f"HASHLESS_DATABASE_URL names the driver {parsed.drivername!r}, which is not "
            'installed: pip install "hashless[postgres]" for PostgreSQL'
        ) from None


def _ping_when_rested(engine: Engine) -> None:
    """Check a connection at checkout only if it rested ``PING_AFTER_IDLE`` or longer."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("rested_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # A dead connection after a rest is most likely a restarted server: every
            # pooled connection is as old, so the pool replaces them all.
            raise InvalidatePoolError() from exc


def _sqlite_engine(url: str) -> Engine:
    in_file = make_url(url).database not in (None, "", ":memory:")
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would hide our BEGIN mode: turn it off.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if in_file:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _alembic_config(engine: Engine, migrations: Migrations = STANDALONE_MIGRATIONS) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations.scripts))
    config.attributes["engine"] = engine
    config.attributes["schema"] = migrations.schema
    return config


def migrate(engine: Engine, migrations: Migrations = STANDALONE_MIGRATIONS) -> None:
    """Bring the schema to the newest revision (idempotent).

    A schema that is already current is found so with one query, without Alembic
    (whose import and upgrade would add a few hundred milliseconds to every start).
    """
    if _current_without_alembic(engine, migrations):
        return
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine, migrations), "head")
    except OperationalError as exc:
        raise ConfigurationError(
            f"cannot reach the database at HASHLESS_DATABASE_URL ({type(exc.orig).__name__}): "
            "check that it runs and that the URL's host, port, user and database are right"
        ) from None


def schema_is_current(engine: Engine, migrations: Migrations = STANDALONE_MIGRATIONS) -> bool:
    if _current_without_alembic(engine, migrations):
        return True
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine, migrations)).get_current_head()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table_schema": migrations.schema}
        )
        return context.get_current_revision() == head


class SchemaState(StrEnum):
    CURRENT = "current"
    EMPTY = "empty"
    """No tables yet: ``migrate`` (and ``serve``) creates the schema."""
    BEHIND = "behind"
    """An older hashless revision: ``migrate`` (and ``serve``) upgrades it."""
    AHEAD = "ahead"
    """A revision these migration scripts do not know: a newer hashless wrote it."""
    FOREIGN = "foreign"
    """Tables but no hashless revision: another application's database."""


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    revision: str | None
    """The revision the database holds, if any."""
    head: str
    pending: int = 0
    """Migrations ``migrate`` would apply (``BEHIND``)."""
    tables: tuple[str, ...] = ()
    """Tables found that are not hashless' (``FOREIGN``), a few of them."""


def inspect_schema(engine: Engine, migrations: Migrations = STANDALONE_MIGRATIONS) -> SchemaStatus:
    """Where hashless' schema (``migrations``' own) stands against its scripts; changes
    nothing."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config(engine, migrations))
    head = scripts.get_current_head()
    assert head is not None
    with engine.connect() as connection:
        revision = MigrationContext.configure(
            connection, opts={"version_table_schema": migrations.schema}
        ).get_current_revision()
        found = inspect(connection).get_table_names(schema=migrations.schema)
        tables = sorted(set(found) - {"alembic_version"})
    if revision == head:
        return SchemaStatus(SchemaState.CURRENT, revision, head)
    if revision is None:
        if tables:
            return SchemaStatus(SchemaState.FOREIGN, None, head, tables=tuple(tables[:5]))
        return SchemaStatus(SchemaState.EMPTY, None, head)
    known = [script.revision for script in scripts.walk_revisions()]
    if revision not in known:
        return SchemaStatus(SchemaState.AHEAD, revision, head)
    return SchemaStatus(SchemaState.BEHIND, revision, head, pending=known.index(revision))


_REVISION_LINE = re.compile(
    r"""^(down_)?revision\s*(?::[^=\n]*)?=\s*(?:None|["'](\w+)["'])\s*$""", re.MULTILINE
)


def head_from_scripts(versions: Path = _MIGRATIONS / "versions") -> str | None:
    """The newest revision, read from the scripts' own ``revision`` lines; None when
    they do not name exactly one (a merge, a line in another form): ask Alembic then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        lines = {m.group(1) or "": m.group(2) for m in _REVISION_LINE.finditer(script.read_text())}
        if not lines.get("") or "down_" not in lines:
            return None
        revisions.add(lines[""])
        if lines["down_"]:
            parents.add(lines["down_"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _current_without_alembic(engine: Engine, migrations: Migrations) -> bool:
    """True only if the database surely holds the newest revision; False when unsure."""
    head = head_from_scripts(migrations.scripts / "versions")
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(migrations.version_table.c.version_num)).all()
    except DBAPIError:  # no version table yet, or no database: Alembic will say
        return False
    return stored == [(head,)]
