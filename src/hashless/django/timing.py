"""Failed logins take alike time, whoever they were for.

The three ways a login fails cost very different amounts: an unknown username costs
a database lookup (plus, with ``ModelBackend`` and most backends built on it, a dummy
local hash), a wrong password for a migrated user a Cognito round trip, a wrong
password for a user still on a legacy hash a full legacy hash (~0.2 s for Django's
PBKDF2). hashless pads each of them to one floor, the larger of
``HASHLESS["LOGIN_FLOOR_SECONDS"]`` and the slowest of the last ``WINDOW`` real
verifications and local hashes this process made, at most ``MAX_FLOOR_SECONDS``:
every failed ``user.check_password()`` (``hashless.django.checking``), every local
hash ``CognitoPasswordHasher`` makes (so the dummy hash of an unknown user costs a
floor too, whichever backend made it) and ``CognitoBackend``'s unknown users.
Successful checks are not padded: they reveal the account anyway.

That covers one backend doing one check. A failed ``authenticate()`` can do more, or
less: a project's email backend that hashes nothing for an unknown email, two
backends where one finds the user and the other does not. So in a request, a failed
``authenticate()`` (``user_login_failed``) is padded once more, as a whole, from the
request's start (``request_started``) to the ``QUANTILE`` of the last ``WINDOW``
failed logins, plus ``HEADROOM``: whatever ran in between, every failed login of the
request ends alike. A quantile, not the slowest: one stall of a busy machine would
otherwise raise the floor for the next ``WINDOW`` failures, which then cost that stall
each, whatever they were for. With
``CredentialStoreUnavailableMiddleware`` that padding waits until the answer is
rendered, so the page's rendering falls inside it too. The headroom keeps
the slowest kind of failure (a legacy hash, on a busy machine) below the floor too,
instead of setting it anew and finishing last.

While the credential store is failing, every failed login is answered with the
outage error, not with "wrong password": otherwise an outage would tell unknown
users (a plain "wrong password") from migrated ones (an error page).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextvars import ContextVar
from typing import Any

from hashless.django.conf import DEFAULT_LOGIN_FLOOR_SECONDS, hashless_settings
from hashless.errors import ConfigurationError

__all__ = [
    "HEADROOM",
    "MAX_FLOOR_SECONDS",
    "QUANTILE",
    "WINDOW",
    "LoginTiming",
    "defer_to_response",
    "failed_login_timing",
    "login_timing",
    "note_request_finished",
    "note_request_started",
    "pad_failed_login",
    "pad_response",
]

WINDOW = 64
HEADROOM = 1.25
QUANTILE = 0.9
MAX_FLOOR_SECONDS = 3.0
OUTAGE_SECONDS_CAP = 30.0


class LoginTiming:
    """Per-process bookkeeping of verification times and of credential-store outages."""

    def __init__(self, headroom: float = 1.0, quantile: float = 1.0) -> None:
        self._samples: deque[float] = deque(maxlen=WINDOW)
        self._headroom = headroom
        self._quantile = quantile
        self._outage_until = 0.0
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        """Record how long one real verification (legacy hash or Cognito) took."""
        with self._lock:
            self._samples.append(seconds)

    def floor(self, minimum: float) -> float:
        with self._lock:
            ranked = sorted(self._samples)
        slowest = ranked[int(self._quantile * (len(ranked) - 1))] if ranked else 0.0
        slowest *= self._headroom
        return min(max(minimum, slowest), max(minimum, MAX_FLOOR_SECONDS))

    def pad(self, started: float, minimum: float | None = None) -> None:
        """Sleep until ``started`` (a ``time.monotonic()``) plus the floor.

        ``minimum`` defaults to ``HASHLESS["LOGIN_FLOOR_SECONDS"]``.
        """
        if minimum is None:
            minimum = _configured_minimum()
        remaining = started + self.floor(minimum) - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def note_outage(self, retry_after: float) -> None:
        until = time.monotonic() + min(max(retry_after, 1.0), OUTAGE_SECONDS_CAP)
        with self._lock:
            self._outage_until = max(self._outage_until, until)

    def in_outage(self) -> bool:
        return time.monotonic() < self._outage_until

    def reset(self) -> None:
        with self._lock:
            self._samples.clear()
            self._outage_until = 0.0


def _configured_minimum() -> float:
    try:
        return hashless_settings().login_floor_seconds
    except ConfigurationError:
        # Reported by the system checks; hashing must not fail for it.
        return DEFAULT_LOGIN_FLOOR_SECONDS


login_timing = LoginTiming()
"""Single checks and local hashes; and the credential store's outages."""

failed_login_timing = LoginTiming(headroom=HEADROOM, quantile=QUANTILE)
"""Whole failed ``authenticate()`` calls, timed from the start of their request."""


class _Request:
    """This request's clock, and whether a failed login in it waits for the response."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.deferred = False
        self.failed = False

    def pad(self) -> None:
        failed_login_timing.observe(time.monotonic() - self.started)
        failed_login_timing.pad(self.started)


# A mutable object, so a change made in a sync_to_async thread is seen by the request.
_request: ContextVar[_Request | None] = ContextVar("hashless_request", default=None)


def note_request_started(**_: Any) -> None:
    _request.set(_Request())


def note_request_finished(**_: Any) -> None:
    _request.set(None)


def pad_failed_login() -> None:
    """Pad a failed ``authenticate()`` from its request's start (none outside requests),
    now, or once the response is rendered if ``defer_to_response`` was called."""
    request = _request.get()
    if request is None:
        return
    if request.deferred:
        request.failed = True
    else:
        request.pad()


def defer_to_response() -> None:
    """Pad this request's failed login in ``pad_response`` (the middleware calls both),
    so that rendering the answer happens inside the padding too."""
    request = _request.get()
    if request is not None:
        request.deferred = True


def pad_response() -> None:
    request = _request.get()
    if request is not None and request.failed:
        request.failed = False
        request.pad()
