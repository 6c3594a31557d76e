"""Django's ``argon2$argon2id$v=19$...`` hashes: ``argon2`` + an Argon2 PHC string.

Django 1.10 to 2.x wrote ``argon2i``, later versions ``argon2id``; both are accepted.
"""

from __future__ import annotations

from hashless.legacy._argon2_core import argon2_is_weak, argon2_matches, looks_like_argon2
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings

__all__ = ["DjangoArgon2Verifier"]

_PREFIX = "argon2"


def _phc(encoded: str) -> str:
    return encoded[len(_PREFIX) :] if encoded.startswith(_PREFIX + "$") else ""


class DjangoArgon2Verifier:
    """Django's Argon2PasswordHasher."""

    name: str = "django-argon2"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return looks_like_argon2(_phc(encoded))

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(password)
        if secret is None:
            return False
        return argon2_matches(secret, _phc(encoded), format_name=self.name, ceilings=self._ceilings)

    def is_weak(self, encoded: str) -> bool:
        return argon2_is_weak(_phc(encoded), format_name=self.name)
