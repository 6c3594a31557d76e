"""Opaque secrets handed to clients (session and reset tokens), kept only as hashes."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "token_hash"]


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps: a dump of it cannot be replayed as a token.

    A fast hash suffices because the token carries 256 random bits; there is
    nothing to guess offline, unlike a password.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
