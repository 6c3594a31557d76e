"""The short-lived Medusa v1 bearer token hashless presents for a signed-in customer."""

from __future__ import annotations

import time

import jwt

__all__ = ["TOKEN_LIFETIME_SECONDS", "mint_store_token"]

TOKEN_LIFETIME_SECONDS = 60


def mint_store_token(customer_id: str, secret: str) -> str:
    """HS256 ``{customer_id, domain: "store", iat, exp}``: what Medusa's ``store-bearer``
    strategy accepts, valid for a minute."""
    now = int(time.time())
    payload = {
        "customer_id": customer_id,
        "domain": "store",
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    }
    return jwt.encode(payload, secret, algorithm="HS256")
