"""The Medusa v1 bearer token a hashless session is presented as on a passed request.

Medusa's ``store-bearer`` strategy (passport-jwt) accepts an HS256 JWT signed with its
``jwt_secret`` whose payload names a ``customer_id`` with ``domain: "store"``; it reads
nothing from the database and keeps no revocation list. So hashless mints short-lived
ones, valid for a minute: a token seen on the way to Medusa (a log, a debugging proxy)
is worthless soon after. Whether a request gets one at all is the hashless session's
live check on that very request, so ending the session ends the customer's Medusa
access with the next request, whichever token it would have got.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt

__all__ = ["TOKEN_LIFETIME_SECONDS", "StoreTokens", "mint_store_token"]

TOKEN_LIFETIME_SECONDS = 60
"""Long enough for one request to reach Medusa on a slow day, short enough to be
worthless to anyone who copies it."""


def mint_store_token(
    customer_id: str,
    secret: str,
    *,
    now: float | None = None,
    lifetime: int = TOKEN_LIFETIME_SECONDS,
) -> str:
    """``{customer_id, domain: "store", iat, exp}`` signed with Medusa's ``jwt_secret``."""
    issued = int(time.time() if now is None else now)
    payload = {
        "customer_id": customer_id,
        "domain": "store",
        "iat": issued,
        "exp": issued + lifetime,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


class StoreTokens:
    """A customer's token, minted afresh once the last one has served half its minute.

    Signing with PyJWT (the key prepared and checked, two JSON documents encoded) was
    about 6 % of a passed request's CPU; a customer's requests within 30 s share one
    token instead, which Medusa then accepts for 30 s more at least. It is handed out
    only after the request's own session check found the customer's live session.
    """

    def __init__(
        self,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        customers: int = 4096,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._customers = customers
        self._minted: dict[str, tuple[float, str]] = {}

    def for_customer(self, customer_id: str) -> str:
        now = self._clock()
        minted = self._minted.get(customer_id)
        if minted is not None and now < minted[0]:
            return minted[1]
        token = mint_store_token(customer_id, self._secret, now=now)
        if len(self._minted) >= self._customers:
            self._minted.clear()  # a full table starts again: its customers get new tokens
        self._minted[customer_id] = (now + TOKEN_LIFETIME_SECONDS / 2, token)
        return token
