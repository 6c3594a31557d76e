"""Known devices: browsers and apps that logged in to an account before.

The device keeps a random token (a long-lived ``HttpOnly`` cookie, or a header for
apps); the database keeps only its hash, so a dump lets nobody past a limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from hashless.storage.models import KnownDevice, utcnow
from hashless.storage.writes import Writes
from hashless.tokens import new_token, token_hash

__all__ = ["DEVICES_KEPT", "DEVICE_LIFETIME", "KnownDeviceRepository", "SeenDevice"]

DEVICE_LIFETIME = timedelta(days=180)
"""Renewed at every login from the device: a customer who logs in twice a year keeps it."""

RENEW_EVERY = timedelta(days=1)
"""A device's expiry is written at most this often: a customer logging in many times a
day would otherwise cost a write at each login for a lifetime of half a year."""

DEVICES_KEPT = 10
"""Known devices per customer; a new one beyond these pushes out the least recently used."""

_SEEN = select(KnownDevice.customer_id, KnownDevice.expires_at).where(
    KnownDevice.token_hash == bindparam("token_hash"),
    KnownDevice.expires_at > bindparam("now"),
)
_RENEW = (
    update(KnownDevice)
    .where(KnownDevice.token_hash == bindparam("hash"), KnownDevice.customer_id == bindparam("cid"))
    .values(expires_at=bindparam("expires"))
)
_ADD = insert(KnownDevice).values(
    token_hash=bindparam("hash"),
    customer_id=bindparam("cid"),
    created_at=bindparam("now"),
    expires_at=bindparam("expires"),
)
# A client that never keeps its token (an app ignoring the header) would add a row at
# every login: the new device and the customer's newest others up to DEVICES_KEPT stay.
# The prune runs before the new row exists (on PostgreSQL in the same statement, where
# the insert is a CTE the delete cannot see), so it keeps one fewer.
_PRUNE = delete(KnownDevice).where(
    KnownDevice.customer_id == bindparam("cid"),
    KnownDevice.token_hash.not_in(
        select(KnownDevice.token_hash)
        .where(KnownDevice.customer_id == bindparam("cid"))
        .order_by(KnownDevice.expires_at.desc())
        .limit(DEVICES_KEPT - 1)
        .scalar_subquery()
    ),
)
_PRUNE_AND_ADD = _PRUNE.add_cte(_ADD.cte("added"))
"""One statement for a new device on PostgreSQL, whose CTEs may write."""


@dataclass(frozen=True)
class SeenDevice:
    """A live device token as the login's read found it."""

    token: str
    customer_id: str
    expires_at: datetime


class KnownDeviceRepository:
    def __init__(self, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    def seen(self, token: str, *, within: Connection) -> SeenDevice | None:
        """The live device ``token`` opens, and whose it is."""
        found = within.execute(
            _SEEN, {"token_hash": token_hash(token), "now": self._clock()}
        ).one_or_none()
        return SeenDevice(token, *found) if found is not None else None

    def renews(self, customer_id: str, seen: SeenDevice | None) -> bool:
        """Whether ``remember`` would renew ``seen``: it then reads the renewal's row
        count, so it needs a ``Connection``, not ``Writes``."""
        return (
            seen is not None
            and seen.customer_id == customer_id
            and _due(seen, self._clock() + DEVICE_LIFETIME)
        )

    def remember(
        self, customer_id: str, seen: SeenDevice | None, *, within: Connection | Writes
    ) -> str:
        """After a good password: renew the device ``seen`` if it is this customer's
        (a write at most once per ``RENEW_EVERY``), else issue a new one. Returns the
        token the device keeps from now on."""
        now = self._clock()
        expires = now + DEVICE_LIFETIME
        if seen is not None and seen.customer_id == customer_id:
            if not _due(seen, expires):
                return seen.token
            assert isinstance(within, Connection), "a renewal reads its row count"
            renewed = within.execute(
                _RENEW, {"hash": token_hash(seen.token), "cid": customer_id, "expires": expires}
            ).rowcount
            if renewed:
                return seen.token
        fresh = new_token()
        values = {"hash": token_hash(fresh), "cid": customer_id, "now": now, "expires": expires}
        if within.dialect.name == "postgresql":
            within.execute(_PRUNE_AND_ADD, values)
        else:
            within.execute(_PRUNE, values)
            within.execute(_ADD, values)
        return fresh


def _due(seen: SeenDevice, expires: datetime) -> bool:
    """Whether renewing ``seen`` to ``expires`` moves it by ``RENEW_EVERY`` or more."""
    return expires - seen.expires_at >= RENEW_EVERY
