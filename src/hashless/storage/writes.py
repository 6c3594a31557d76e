"""Writes that stand or fall together, sent to PostgreSQL as one statement.

A migrated customer's login ends with three writes (its audit row, its session, its
device) that commit together: in a transaction that is five round trips with ``BEGIN``
and ``COMMIT``. Each round trip is a worker thread that blocks and wakes again, and
under load ``perf`` put a third of the server's CPU in the kernel switching threads.
On PostgreSQL the writes become one statement, every write but the last a
data-modifying ``WITH`` query: one round trip, and atomic as any statement is. Every
part of such a statement sees the database as it was before the statement, so only
writes that do not read each other's effects may wait here, and none whose result is
read (a repository that needs a row count takes a ``Connection``). Elsewhere (SQLite)
the writes run one after the other in one transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Engine, bindparam
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import BindParameter

__all__ = ["Writes", "writes"]


class Writes:
    """What the repositories' ``within`` takes where only ``execute`` is called and its
    result is not read: the statement waits here until the block ends."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.pending: list[tuple[UpdateBase, Mapping[str, Any] | None]] = []

    def execute(self, statement: UpdateBase, parameters: Mapping[str, Any] | None = None) -> None:
        self.pending.append((statement, parameters))

    def run(self, connection: Connection) -> None:
        """Run the pending writes on ``connection``: as one statement on PostgreSQL."""
        if connection.dialect.name != "postgresql" or len(self.pending) == 1:
            for statement, parameters in self.pending:
                connection.execute(statement, parameters)
            return
        shape = tuple(
            (statement, tuple(parameters or ())) for statement, parameters in self.pending
        )
        connection.execute(
            _together(shape),
            {
                f"w{number}_{key}": value
                for number, (_, parameters) in enumerate(self.pending)
                for key, value in (parameters or {}).items()
            },
        )


@contextmanager
def writes(
    engine: Engine,
    autocommit: Engine,
    transaction: Callable[[], AbstractContextManager[Connection]],
) -> Iterator[Writes]:
    """``Writes`` that commit when the block ends normally, and are dropped otherwise.

    ``autocommit`` is ``engine`` without transactions (the statement is its own), and
    ``transaction`` opens the transaction they run in where one statement cannot hold
    them all.
    """
    pending = Writes(engine.dialect)
    yield pending
    if not pending.pending:
        return
    opened = autocommit.connect() if engine.dialect.name == "postgresql" else transaction()
    with opened as connection:
        pending.run(connection)


@functools.lru_cache(maxsize=64)
def _together(shape: tuple[tuple[UpdateBase, tuple[str, ...]], ...]) -> UpdateBase:
    """The writes of ``shape`` (each a statement and the names of its parameters) as
    one statement, built once per shape: composing it, and SQLAlchemy's cache key for
    a statement it has not seen, cost more CPU than the round trips saved. So every
    statement that joins must be built once too (bind parameters, not literals)."""
    *earlier, last = (
        _renamed(statement, names, f"w{number}_") for number, (statement, names) in enumerate(shape)
    )
    for number, write in enumerate(earlier):
        last = last.add_cte(write.cte(f"write_{number}"))
    return last


def _renamed(statement: UpdateBase, names: tuple[str, ...], prefix: str) -> UpdateBase:
    """``statement`` with its parameters ``names`` renamed ``prefix + name``: names of
    different statements would collide in one. An insert given its values only at
    execution takes them as named ``values``."""
    bound = {
        element.key for element in visitors.iterate(statement) if isinstance(element, BindParameter)
    }
    if isinstance(statement, Insert) and not bound.intersection(names):
        return statement.values({name: bindparam(prefix + name) for name in names})

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in names:
            return bindparam(prefix + element.key, type_=element.type)
        return None

    return cast(UpdateBase, visitors.replacement_traverse(statement, {}, replace))
