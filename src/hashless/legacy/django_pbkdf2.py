"""Django's ``pbkdf2_sha256$<iterations>$<salt>$<base64>`` and ``pbkdf2_sha1$...`` hashes.

Checked the way Django checks them: re-encode with the stored salt and iterations and
compare the whole string, so a value Django would not accept is not accepted here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from hashless.errors import MalformedHash
from hashless.legacy._text import decimal, utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.strength import pbkdf2_below_floor

__all__ = ["DjangoPbkdf2Verifier"]

Pbkdf2Algorithm = Literal["pbkdf2_sha256", "pbkdf2_sha1"]


class DjangoPbkdf2Verifier:
    """Django's PBKDF2PasswordHasher / PBKDF2SHA1PasswordHasher."""

    def __init__(self, algorithm: Pbkdf2Algorithm, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self.name = f"django-{algorithm}"
        self._algorithm = algorithm
        self._digest = "sha256" if algorithm == "pbkdf2_sha256" else "sha1"
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        parts = encoded.split("$")
        return len(parts) == 4 and parts[0] == self._algorithm and decimal(parts[1]) is not None

    def _parse(self, encoded: str) -> tuple[int, bytes]:
        parts = encoded.split("$")
        if len(parts) != 4 or parts[0] != self._algorithm:
            raise MalformedHash(self.name, f"not {self._algorithm}$iterations$salt$hash")
        iterations = decimal(parts[1])
        salt = utf8(parts[2])
        if iterations is None or iterations < 1 or not salt or utf8(encoded) is None:
            raise MalformedHash(self.name, "iterations unreadable, salt empty or not UTF-8")
        return iterations, salt

    def verify(self, password: str, encoded: str) -> bool:
        iterations, salt = self._parse(encoded)
        if iterations > self._ceilings.pbkdf2_max_iterations:
            raise MalformedHash(
                self.name,
                f"{iterations} iterations above the ceiling {self._ceilings.pbkdf2_max_iterations}",
            )
        secret = utf8(password)
        if secret is None:
            return False
        derived = hashlib.pbkdf2_hmac(self._digest, secret, salt, iterations)
        expected = b"$".join(
            (
                self._algorithm.encode("ascii"),
                str(iterations).encode("ascii"),
                salt,
                base64.b64encode(derived),
            )
        )
        return hmac.compare_digest(expected, encoded.encode("utf-8"))

    def is_weak(self, encoded: str) -> bool:
        iterations, _ = self._parse(encoded)
        return pbkdf2_below_floor(self._digest, iterations)
