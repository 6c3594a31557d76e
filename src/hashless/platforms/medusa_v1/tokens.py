"""The Medusa v1 bearer token a hashless session is presented as on a passed request.

Medusa's ``store-bearer`` strategy (passport-jwt) accepts an HS256 JWT signed with its
``jwt_secret`` whose payload names a ``customer_id`` with ``domain: "store"``; it reads
nothing from the database and keeps no revocation list. So hashless mints one per
passed request, valid for a minute: a token seen on the way to Medusa (a log, a
debugging proxy) is worthless soon after, and ending the hashless session ends the
customer's Medusa access with the next request.
"""

from __future__ import annotations

import time

import jwt

__all__ = ["TOKEN_LIFETIME_SECONDS", "mint_store_token"]

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
