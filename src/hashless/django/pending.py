"""Passwords between ``make_password()`` and the ``save()`` that stores them.

Django hashes a new password before the row is saved, and for a new user before it
has a primary key, so the Cognito write cannot happen where the password is hashed.
``CognitoPasswordHasher.encode`` returns an ordinary local hash and notes the password
here under that hash; the ``pre_save`` handler takes it back when that exact hash is
about to be stored, and only then writes to Cognito.

Entries live in this process's memory only, for at most ``TTL_SECONDS`` and at most
``LIMIT`` of them, and are removed when taken. A hash that is never saved (Django's
dummy hashing for unknown users, a form that fails validation later) simply expires.
Losing an entry is safe: the local hash is then saved as it is, and the user moves to
Cognito at the next login.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

__all__ = ["LIMIT", "TTL_SECONDS", "PendingPasswords", "pending"]

LIMIT = 1024
TTL_SECONDS = 120.0


class PendingPasswords:
    """A small, thread-safe, expiring map from a fresh local hash to its password."""

    def __init__(self, limit: int = LIMIT, ttl: float = TTL_SECONDS) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        self._ttl = ttl

    def __repr__(self) -> str:
        return f"PendingPasswords({len(self._entries)} entries)"

    def put(self, encoded: str, password: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            self._entries[encoded] = (now + self._ttl, password)
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)

    def take(self, encoded: str | None) -> str | None:
        """The password hashed as ``encoded``, removed from the map; None if unknown."""
        if not encoded:
            return None
        with self._lock:
            entry = self._entries.pop(encoded, None)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _prune(self, now: float) -> None:
        while self._entries:
            first = next(iter(self._entries.values()))
            if first[0] >= now:
                break
            self._entries.popitem(last=False)


pending = PendingPasswords()
