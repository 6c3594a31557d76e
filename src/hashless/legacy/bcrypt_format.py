"""Plain bcrypt strings: ``$2a$``, ``$2b$``, ``$2y$`` (PHP, Laravel, Rails, Node).

Passwords longer than 72 UTF-8 bytes are truncated to 72 before hashing, exactly as
the platforms that wrote these hashes did; see ``_bcrypt_core`` for why.
"""

from __future__ import annotations

from hashless.legacy._bcrypt_core import bcrypt_is_weak, bcrypt_matches, looks_like_bcrypt
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings

__all__ = ["BcryptVerifier"]


class BcryptVerifier:
    """``$2a$/$2b$/$2y$`` bcrypt of the password's first 72 UTF-8 bytes."""

    name: str = "bcrypt"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return looks_like_bcrypt(encoded)

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(password)
        if secret is None:
            return False
        return bcrypt_matches(secret, encoded, format_name=self.name, ceilings=self._ceilings)

    def is_weak(self, encoded: str) -> bool:
        return bcrypt_is_weak(encoded, format_name=self.name)
