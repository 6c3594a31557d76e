"""The admin dashboard's browser session: a signed expiry, never the admin token itself.

The cookie holds ``<expiry>.<nonce>.<signature>``, signed with a key derived from
``HASHLESS_ADMIN_TOKEN``. Every worker process can check it without shared state,
and rotating the admin token ends every dashboard session at once. Logging out
clears the cookie; a copy stolen before that stays valid until its expiry, which is
why the lifetime is a working day and not a month.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

__all__ = ["SESSION_LIFETIME", "AdminSessions"]

SESSION_LIFETIME = timedelta(hours=8)

_KEY_LABEL = b"hashless admin dashboard session v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class AdminSessions:
    def __init__(
        self,
        admin_token: str,
        *,
        lifetime: timedelta = SESSION_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A derived key: the cookie's signature reveals nothing usable as the token.
        self._key = hmac.new(admin_token.encode(), _KEY_LABEL, hashlib.sha256).digest()
        self.lifetime = lifetime
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self) -> str:
        expires = int(self._clock() + self.lifetime.total_seconds())
        payload = f"{expires}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    def valid(self, value: str | None) -> bool:
        if not value or value.count(".") != 2:
            return False
        payload, _, signature = value.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return False
        expires = payload.partition(".")[0]
        return expires.isdigit() and int(expires) > self._clock()
