"""Argon2 PHC strings ``$argon2id$``/``$argon2i$`` (PHP ``password_hash``, argon2-cffi, Laravel)."""

from __future__ import annotations

from hashless.legacy._argon2_core import argon2_is_weak, argon2_matches, looks_like_argon2
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings

__all__ = ["Argon2Verifier"]


class Argon2Verifier:
    """Argon2id/Argon2i v1.0 or v1.3 PHC strings, memory, passes and lanes bounded."""

    name: str = "argon2"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return looks_like_argon2(encoded)

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(password)
        if secret is None:
            return False
        return argon2_matches(secret, encoded, format_name=self.name, ceilings=self._ceilings)

    def is_weak(self, encoded: str) -> bool:
        return argon2_is_weak(encoded, format_name=self.name)
