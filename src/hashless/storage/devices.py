"""Known devices: browsers and apps that logged in to an account before.

The device keeps a random token (a long-lived ``HttpOnly`` cookie, or a header for
apps); the database keeps only its hash, so a dump lets nobody past a limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from hashless.storage.models import KnownDevice, utcnow
from hashless.tokens import new_token, token_hash

__all__ = ["DEVICES_KEPT", "DEVICE_LIFETIME", "KnownDeviceRepository"]

DEVICE_LIFETIME = timedelta(days=180)
"""Renewed at every login from the device: a customer who logs in twice a year keeps it."""

DEVICES_KEPT = 10
"""Known devices per customer; a new one beyond these pushes out the least recently used."""

_OWNER = select(KnownDevice.customer_id).where(
    KnownDevice.token_hash == bindparam("token_hash"),
    KnownDevice.expires_at > bindparam("now"),
)


class KnownDeviceRepository:
    def __init__(self, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    def owner(self, token: str, *, within: Connection) -> str | None:
        """The customer a live device token belongs to."""
        return within.execute(
            _OWNER, {"token_hash": token_hash(token), "now": self._clock()}
        ).scalar_one_or_none()

    def remember(self, customer_id: str, token: str | None, *, within: Connection) -> str:
        """After a good password: renew the device's token if it is this customer's,
        else issue a new one. Returns the token the device keeps from now on."""
        now = self._clock()
        if token is not None:
            renewed = within.execute(
                update(KnownDevice)
                .where(
                    KnownDevice.token_hash == token_hash(token),
                    KnownDevice.customer_id == customer_id,
                )
                .values(expires_at=now + DEVICE_LIFETIME)
            ).rowcount
            if renewed:
                return token
        fresh = new_token()
        within.execute(
            insert(KnownDevice).values(
                token_hash=token_hash(fresh),
                customer_id=customer_id,
                created_at=now,
                expires_at=now + DEVICE_LIFETIME,
            )
        )
        # A client that never keeps its token (an app ignoring the header) would add a
        # row at every login: only the customer's newest few stay.
        newest = (
            select(KnownDevice.token_hash)
            .where(KnownDevice.customer_id == customer_id)
            .order_by(KnownDevice.expires_at.desc())
            .limit(DEVICES_KEPT)
        )
        within.execute(
            delete(KnownDevice).where(
                KnownDevice.customer_id == customer_id, KnownDevice.token_hash.not_in(newest)
            )
        )
        return fresh
