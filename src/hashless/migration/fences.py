"""The arithmetic of write fences and claims (the engine's rule 6), apart from its flows."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from hashless.migration.records import CredentialRecord

__all__ = [
    "CLAIM_POLL",
    "CLAIM_WAIT",
    "DEFAULT_SEND_TIMEOUT",
    "DEFAULT_WRITE_WINDOW",
    "Fenced",
    "WriteFences",
    "past_claims",
]

T = TypeVar("T")

DEFAULT_WRITE_WINDOW = timedelta(seconds=60)
"""How long after its sender gave up the store may still apply a password write."""

DEFAULT_SEND_TIMEOUT = timedelta(seconds=12)
"""The longest a password write takes before its sender gives up: the Cognito
adapter's defaults, three connection attempts of 2 s and a 5 s read, and a second."""

CLAIM_SLACK = timedelta(seconds=5)
"""How long after its claim is committed a writer may still start the write."""
CLAIM_WAIT = 2.0
CLAIM_POLL = 0.05
"""Seconds a change or reset waits for another writer's claim, and between looks."""


class Fenced(Exception):
    """Another password write may still land: ``retry_after`` seconds until that is
    settled; ``settling``: its writer may still be at work (a claim)."""

    def __init__(self, retry_after: int, settling: bool) -> None:
        super().__init__(retry_after, settling)
        self.retry_after = retry_after
        self.settling = settling


class WriteFences:
    """When a password write may be sent, judged by ``clock``."""

    def __init__(
        self, write_window: timedelta, send_timeout: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.window = write_window
        self._send_timeout = send_timeout
        self._clock = clock

    def claim(self) -> datetime:
        """A new claim's end: long enough to take the lock again, send, and let the
        store apply it. Whole seconds, rounded up, so every host stores it exactly (it
        is how its writer recognises it)."""
        until = self._clock() + CLAIM_SLACK + self._send_timeout + self.window
        return until.replace(microsecond=0) + timedelta(seconds=1)

    def covers_a_send(self, claim: datetime) -> bool:
        """True while a write sent now is covered by ``claim`` to the window's end."""
        return claim - self._clock() >= self._send_timeout + self.window

    def after_failure(self) -> datetime:
        """The fence of a write that failed now and may still be applied."""
        return self._clock() + self.window

    def check(self, record: CredentialRecord) -> None:
        """Raise ``Fenced`` if an earlier write of unknown outcome may still land."""
        if record.write_fence is None:
            return
        remaining = record.write_fence - self._clock()
        if remaining <= timedelta(0):
            return
        # Longer than the window: a claim whose writer may still be at work, and
        # will have settled it (or died) once the excess has passed.
        settling = remaining > self.window
        wait = remaining - self.window if settling else remaining
        raise Fenced(max(1, math.ceil(wait.total_seconds())), settling)


def past_claims(write: Callable[[], T], pause: Callable[[float], None] = time.sleep) -> T:
    """``write()``, tried again while another writer's claim settles, for up to
    ``CLAIM_WAIT``; then the ``Fenced`` it raised. ``pause`` waits between tries."""
    give_up = time.monotonic() + CLAIM_WAIT
    while True:
        try:
            return write()
        except Fenced as fenced:
            if not fenced.settling or time.monotonic() >= give_up:
                raise
            pause(CLAIM_POLL)
