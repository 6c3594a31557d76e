"""Test doubles shared by the suites."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hashless.migration import CredentialRecords


class ProcessDied(BaseException):
    """The process ends here: no ``except`` or failure path of the engine runs (a
    ``BaseException``, as ``SystemExit``), and the lock's transaction is rolled back."""


class PlainSha256:
    """A stand-in legacy format for engine tests: ``sha256$<hex>``, with a hook on verify."""

    name = "test-sha256"

    def __init__(self) -> None:
        self.on_verify: Callable[[], None] | None = None

    @staticmethod
    def encode(password: str) -> str:
        return "sha256$" + hashlib.sha256(password.encode()).hexdigest()

    def identify(self, encoded: str) -> bool:
        return encoded.startswith("sha256$")

    def verify(self, password: str, encoded: str) -> bool:
        hook, self.on_verify = self.on_verify, None
        if hook is not None:
            hook()
        return hmac.compare_digest(self.encode(password), encoded)


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server_url``'s server, dropped at the end:
    its URL, with ``server_url``'s driver."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fence_seen_by_a_waiter(
    records: CredentialRecords, customer_id: str, until: datetime, waiting: Callable[[], None]
) -> list[datetime | None]:
    """The ``write_fence`` a second locker reads when it was already waiting for the lock
    while the holder set ``until``; ``waiting()`` returns once it is waiting."""
    seen: list[datetime | None] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with records.locked(customer_id) as locked:
            assert locked is not None
            seen.append(locked.record.write_fence)

    waiter = threading.Thread(target=second)
    waiter.start()
    with records.locked(customer_id) as locked:
        assert locked is not None
        first_in.set()
        waiting()
        locked.fence_writes(until)
    waiter.join()
    return seen
