"""Django's ``scrypt$<N>$<salt>$<r>$<p>$<base64 of 64 bytes>`` hashes (Django 4.0+)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from hashless.errors import MalformedHash
from hashless.legacy._text import decimal, utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings, check_scrypt
from hashless.legacy.strength import scrypt_below_floor

__all__ = ["DjangoScryptVerifier"]


@dataclass(frozen=True, slots=True)
class _Params:
    n: int
    salt: bytes
    r: int
    p: int


class DjangoScryptVerifier:
    """Django's ScryptPasswordHasher (default N = 2**14, r = 8, p = 5: below the floor)."""

    name: str = "django-scrypt"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        parts = encoded.split("$")
        return len(parts) == 6 and parts[0] == "scrypt" and decimal(parts[1]) is not None

    def _parse(self, encoded: str) -> _Params:
        parts = encoded.split("$")
        if len(parts) != 6 or parts[0] != "scrypt":
            raise MalformedHash(self.name, "not scrypt$N$salt$r$p$hash")
        n, r, p = decimal(parts[1]), decimal(parts[3]), decimal(parts[4])
        salt = utf8(parts[2])
        if n is None or r is None or p is None or not salt or utf8(encoded) is None:
            raise MalformedHash(self.name, "parameters unreadable, salt empty or not UTF-8")
        if n < 2 or n & (n - 1):
            raise MalformedHash(self.name, "scrypt N is not a power of two above 1")
        return _Params(n, salt, r, p)

    def _check_bounds(self, params: _Params) -> None:
        check_scrypt(self.name, self._ceilings, n=params.n, r=params.r, p=params.p)

    def verify(self, password: str, encoded: str) -> bool:
        params = self._parse(encoded)
        self._check_bounds(params)
        secret = utf8(password)
        if secret is None:
            return False
        try:
            derived = hashlib.scrypt(
                secret,
                salt=params.salt,
                n=params.n,
                r=params.r,
                p=params.p,
                maxmem=self._ceilings.max_memory_bytes,
                dklen=64,
            )
        except ValueError as exc:
            raise MalformedHash(self.name, "scrypt refused the parameters") from exc
        expected = b"$".join(
            (
                b"scrypt",
                str(params.n).encode("ascii"),
                params.salt,
                str(params.r).encode("ascii"),
                str(params.p).encode("ascii"),
                base64.b64encode(derived),
            )
        )
        return hmac.compare_digest(expected, encoded.encode("utf-8"))

    def is_weak(self, encoded: str) -> bool:
        params = self._parse(encoded)
        return scrypt_below_floor(params.n, params.r)
