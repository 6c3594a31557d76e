"""Django's fast-digest hashers, all always weak.

* ``md5$<salt>$<hex>`` (MD5PasswordHasher) and ``sha1$<salt>$<hex>`` (SHA1PasswordHasher,
  removed in Django 5.1): digest of salt + password;
* ``unsalted_md5``: bare 32 hex digits, or ``md5$$<hex>`` which Django also accepts;
* ``unsalted_sha1``: ``sha1$$<hex>``.

Django compares lowercase hex exactly, so an upper-case digest never matched there;
here it is reported as malformed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Literal

from hashless.errors import MalformedHash
from hashless.legacy._text import utf8
from hashless.legacy.hardenable import InnerParts

__all__ = ["DjangoSaltedDigestVerifier", "DjangoUnsaltedDigestVerifier"]

DigestName = Literal["md5", "sha1"]
_HEX_LENGTH = {"md5": 32, "sha1": 40}


def _hexdigest(algorithm: DigestName, data: bytes) -> str:
    return hashlib.new(algorithm, data, usedforsecurity=False).hexdigest()


def _digest(algorithm: DigestName, data: bytes) -> bytes:
    return hashlib.new(algorithm, data, usedforsecurity=False).digest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


class DjangoSaltedDigestVerifier:
    """``md5$salt$hex`` or ``sha1$salt$hex``: digest of salt + password."""

    def __init__(self, algorithm: DigestName) -> None:
        self.name = f"django-{algorithm}"
        self._algorithm = algorithm
        self._shape = re.compile(rf"{algorithm}\$([^$]+)\$[0-9a-f]{{{_HEX_LENGTH[algorithm]}}}")

    def identify(self, encoded: str) -> bool:
        return self._shape.fullmatch(encoded) is not None

    def _parse(self, encoded: str) -> tuple[str, bytes]:
        match = self._shape.fullmatch(encoded)
        salt = utf8(match.group(1)) if match else None
        if match is None or salt is None:
            raise MalformedHash(self.name, f"not {self._algorithm}$salt$hex")
        return match.group(1), salt

    def verify(self, password: str, encoded: str) -> bool:
        salt_text, salt = self._parse(encoded)
        secret = utf8(password)
        if secret is None:
            return False
        digest = _hexdigest(self._algorithm, salt + secret)
        return hmac.compare_digest(
            f"{self._algorithm}${salt_text}${digest}".encode(), encoded.encode()
        )

    def is_weak(self, encoded: str) -> bool:
        self._parse(encoded)
        return True

    def inner_parts(self, encoded: str) -> InnerParts:
        salt_text, _ = self._parse(encoded)
        return InnerParts(self.name, salt_text, bytes.fromhex(encoded.rsplit("$", 1)[1]))

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        salt = utf8(setting)
        if not salt or "$" in setting:
            raise MalformedHash(self.name, "setting is not a non-empty salt")
        secret = utf8(password)
        return None if secret is None else _digest(self._algorithm, salt + secret)


class DjangoUnsaltedDigestVerifier:
    """Django's UnsaltedMD5PasswordHasher and UnsaltedSHA1PasswordHasher."""

    def __init__(self, algorithm: DigestName) -> None:
        self.name = f"django-unsalted_{algorithm}"
        self._algorithm = algorithm
        hex_digits = rf"[0-9a-f]{{{_HEX_LENGTH[algorithm]}}}"
        # Ancient Django stored bare MD5 hex; it also accepts an empty-salt md5$$ form.
        shape = rf"(?:md5\$\$)?({hex_digits})" if algorithm == "md5" else rf"sha1\$\$({hex_digits})"
        self._shape = re.compile(shape)

    def identify(self, encoded: str) -> bool:
        return self._shape.fullmatch(encoded) is not None

    def _stored_digest(self, encoded: str) -> str:
        match = self._shape.fullmatch(encoded)
        if match is None:
            raise MalformedHash(self.name, f"not an unsalted lowercase-hex {self._algorithm}")
        return match.group(1)

    def verify(self, password: str, encoded: str) -> bool:
        stored = self._stored_digest(encoded)
        secret = utf8(password)
        if secret is None:
            return False
        return _same(_hexdigest(self._algorithm, secret), stored)

    def is_weak(self, encoded: str) -> bool:
        self._stored_digest(encoded)
        return True

    def inner_parts(self, encoded: str) -> InnerParts:
        return InnerParts(self.name, "", bytes.fromhex(self._stored_digest(encoded)))

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        if setting:
            raise MalformedHash(self.name, "an unsalted digest has an empty setting")
        secret = utf8(password)
        return None if secret is None else _digest(self._algorithm, secret)
