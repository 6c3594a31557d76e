"""Django's ``bcrypt$<bcrypt>`` and ``bcrypt_sha256$<bcrypt>`` hashes.

``bcrypt_sha256`` feeds bcrypt the hex SHA-256 of the password (64 bytes, never
truncated). Plain ``bcrypt`` feeds the password itself: Django with ``bcrypt`` < 5
silently used its first 72 bytes (``bcrypt`` 5 makes Django raise instead), so the
hashes that exist are of that prefix and we truncate the same way.
"""

from __future__ import annotations

import binascii
import hashlib

from hashless.legacy._bcrypt_core import bcrypt_is_weak, bcrypt_matches, looks_like_bcrypt
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings

__all__ = ["DjangoBcryptSha256Verifier", "DjangoBcryptVerifier"]


class DjangoBcryptVerifier:
    """Django's BCryptPasswordHasher: bcrypt of the password's first 72 UTF-8 bytes."""

    name: str = "django-bcrypt"
    _prefix = "bcrypt$"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return encoded.startswith(self._prefix) and looks_like_bcrypt(encoded[len(self._prefix) :])

    def _secret(self, password: bytes) -> bytes:
        return password

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(password)
        if secret is None:
            return False
        return bcrypt_matches(
            self._secret(secret),
            encoded.removeprefix(self._prefix) if encoded.startswith(self._prefix) else "",
            format_name=self.name,
            ceilings=self._ceilings,
        )

    def is_weak(self, encoded: str) -> bool:
        rest = encoded.removeprefix(self._prefix) if encoded.startswith(self._prefix) else ""
        return bcrypt_is_weak(rest, format_name=self.name)


class DjangoBcryptSha256Verifier(DjangoBcryptVerifier):
    """Django's BCryptSHA256PasswordHasher: bcrypt of hex(SHA-256(password))."""

    name = "django-bcrypt_sha256"
    _prefix = "bcrypt_sha256$"

    def _secret(self, password: bytes) -> bytes:
        return binascii.hexlify(hashlib.sha256(password).digest())
