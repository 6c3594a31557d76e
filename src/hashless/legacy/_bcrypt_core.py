"""bcrypt (``$2a$``/``$2b$``/``$2y$``) parsing and checking, shared by every format built on it.

The 72-byte rule: bcrypt's key schedule uses at most 72 bytes of key. Every platform
that wrote these hashes (PHP's ``crypt``/``password_hash``, Node's ``bcryptjs``,
Django with ``bcrypt`` < 5, Rails' ``bcrypt`` gem, Laravel) silently used only the
first 72 UTF-8 bytes, so the stored hash is the hash of that prefix. ``bcrypt`` 5
raises instead of truncating; we truncate exactly as those platforms did, so the
customer's real password verifies. The consequence, inherited from the platform and
pinned by tests: two passwords sharing their first 72 bytes both match. After
migration Cognito stores the whole password, so the weakness ends there.

A password containing NUL is refused outright: C implementations stop at the NUL,
``bcrypt`` 5 does not, and no honest login sends one.
"""

from __future__ import annotations

import hmac
import re

from hashless.errors import MalformedHash
from hashless.legacy._optional import bcrypt_hashpw
from hashless.legacy.ceilings import Ceilings
from hashless.legacy.strength import bcrypt_below_floor

__all__ = [
    "BCRYPT_KEY_BYTES",
    "bcrypt_cost",
    "bcrypt_is_weak",
    "bcrypt_matches",
    "looks_like_bcrypt",
]

BCRYPT_KEY_BYTES = 72

# $2x$ (crypt_blowfish's emulation of its own sign-extension bug) is deliberately absent:
# pyca/bcrypt would compute it like $2b$ and give wrong answers for 8-bit passwords.
_BCRYPT = re.compile(r"\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}")


def looks_like_bcrypt(encoded: str) -> bool:
    return _BCRYPT.fullmatch(encoded) is not None


def bcrypt_cost(encoded: str, *, format_name: str) -> int:
    match = _BCRYPT.fullmatch(encoded)
    if match is None:
        raise MalformedHash(format_name, "not a $2a$/$2b$/$2y$ bcrypt string")
    cost = int(match.group(1))
    if not 4 <= cost <= 31:
        raise MalformedHash(format_name, f"bcrypt cost {cost} outside 4..31")
    return cost


def bcrypt_matches(secret: bytes, encoded: str, *, format_name: str, ceilings: Ceilings) -> bool:
    """True if ``secret`` (already pre-hashed if the format does so) matches ``encoded``."""
    cost = bcrypt_cost(encoded, format_name=format_name)
    if cost > ceilings.bcrypt_max_cost:
        raise MalformedHash(
            format_name, f"bcrypt cost {cost} above the ceiling {ceilings.bcrypt_max_cost}"
        )
    if b"\0" in secret:
        return False
    stored = encoded.encode("ascii")
    try:
        computed = bcrypt_hashpw(secret[:BCRYPT_KEY_BYTES], stored[:29], format_name=format_name)
    except ValueError as exc:
        raise MalformedHash(format_name, "bcrypt rejected the salt") from exc
    return hmac.compare_digest(computed, stored)


def bcrypt_is_weak(encoded: str, *, format_name: str) -> bool:
    return bcrypt_below_floor(bcrypt_cost(encoded, format_name=format_name))
