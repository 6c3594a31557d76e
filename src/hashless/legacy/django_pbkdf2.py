"""Django's ``pbkdf2_sha256$<iterations>$<salt>$<base64>`` and ``pbkdf2_sha1$...`` hashes.

Checked the way Django checks them: re-encode with the stored salt and iterations and
compare the whole string, so a value Django would not accept is not accepted here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal

from hashless.errors import MalformedHash
from hashless.legacy._text import decimal, utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.hardenable import InnerParts
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
        setting, _, _ = encoded.rpartition("$")
        parsed = self._parse_setting(setting)
        if utf8(encoded) is None:
            raise MalformedHash(self.name, "iterations unreadable, salt empty or not UTF-8")
        return parsed

    def _parse_setting(self, setting: str) -> tuple[int, bytes]:
        parts = setting.split("$")
        if len(parts) != 3 or parts[0] != self._algorithm:
            raise MalformedHash(self.name, f"not {self._algorithm}$iterations$salt$hash")
        iterations = decimal(parts[1])
        salt = utf8(parts[2])
        if iterations is None or iterations < 1 or not salt:
            raise MalformedHash(self.name, "iterations unreadable, salt empty or not UTF-8")
        return iterations, salt

    def _check_iterations(self, iterations: int) -> None:
        if iterations > self._ceilings.pbkdf2_max_iterations:
            raise MalformedHash(
                self.name,
                f"{iterations} iterations above the ceiling {self._ceilings.pbkdf2_max_iterations}",
            )

    def verify(self, password: str, encoded: str) -> bool:
        iterations, salt = self._parse(encoded)
        self._check_iterations(iterations)
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

    def inner_parts(self, encoded: str) -> InnerParts:
        """Setting: ``algorithm$iterations$salt``; digest: the derived key."""
        self._parse(encoded)
        setting, _, text = encoded.rpartition("$")
        try:
            derived = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            derived = b""
        # Django compares whole strings: only the canonical base64 of a full key ever matched.
        if len(derived) != hashlib.new(self._digest).digest_size or (
            base64.b64encode(derived).decode("ascii") != text
        ):
            raise MalformedHash(self.name, "hash is not the base64 of one derived key")
        return InnerParts(self.name, setting, derived)

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        iterations, salt = self._parse_setting(setting)
        self._check_iterations(iterations)
        secret = utf8(password)
        if secret is None:
            return None
        return hashlib.pbkdf2_hmac(self._digest, secret, salt, iterations)
