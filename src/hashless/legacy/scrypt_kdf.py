"""Medusa's password hashes: ``base64(scrypt-kdf)``, 96 bytes once decoded.

Layout (npm ``scrypt-kdf``, Colin Percival's scrypt file header): ``scrypt`` | version 0
| logN | r (u32 BE) | p (u32 BE) | 32-byte salt | first 16 bytes of SHA-256 over
bytes 0-47 | HMAC-SHA256 over bytes 0-63 keyed with bytes 32-63 of the 64-byte scrypt
output. The password is hashed as its UTF-8 bytes with no normalisation, as Node does.

Medusa v1 always used ``{logN: 1, r: 1, p: 1}`` (N = 2, effectively plain text to
anyone holding the database); Medusa v2's ``auth-emailpass`` provider defaults to
``{logN: 15, r: 8, p: 1}`` but its ``hashConfig`` can change that, so ``medusa-v2``
accepts any parameters within the ceilings and ``medusa-v1`` claims only N = 2.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from hashless.errors import MalformedHash
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings, check_scrypt
from hashless.legacy.hardenable import InnerParts
from hashless.legacy.strength import scrypt_below_floor

__all__ = ["MEDUSA_V1_PARAMS", "MedusaV1Verifier", "MedusaV2Verifier", "ScryptKdfVerifier"]

MEDUSA_V1_PARAMS = (1, 1, 1)
_ENCODED_LENGTH = 128  # base64 of 96 bytes, never padded
_SETTING_LENGTH = 64  # base64 of bytes 0-47 (header and salt): what hardening keeps


@dataclass(frozen=True, slots=True)
class _Header:
    raw: bytes
    log_n: int
    r: int
    p: int

    @property
    def params(self) -> tuple[int, int, int]:
        return (self.log_n, self.r, self.p)


def _base64(text: str, length: int) -> bytes | None:
    if len(text) != length or not text.isascii():
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _fields(raw: bytes) -> _Header | None:
    if raw[:7] != b"scrypt\0":
        return None
    return _Header(raw, raw[7], int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big"))


def _header(encoded: str) -> _Header | None:
    """The decoded value if it has scrypt-kdf's shape (magic, version, length), else None."""
    raw = _base64(encoded, _ENCODED_LENGTH)
    return _fields(raw) if raw is not None and len(raw) == 96 else None


def _setting_header(setting: str) -> _Header | None:
    """Bytes 0-63 rebuilt from a hardened setting: the checksum is a function of bytes 0-47."""
    prefix = _base64(setting, _SETTING_LENGTH)
    if prefix is None or len(prefix) != 48:
        return None
    return _fields(prefix + hashlib.sha256(prefix).digest()[:16])


class ScryptKdfVerifier:
    """Any ``base64(scrypt-kdf)`` value whose parameters are within the ceilings."""

    name: str = "scrypt-kdf"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def _claims(self, params: tuple[int, int, int]) -> bool:
        return True

    def identify(self, encoded: str) -> bool:
        header = _header(encoded)
        return header is not None and self._claims(header.params)

    def _parse(self, encoded: str) -> _Header:
        header = _header(encoded)
        if header is None:
            raise MalformedHash(self.name, "not base64 of a 96-byte scrypt-kdf value")
        checksum = hashlib.sha256(header.raw[:48]).digest()[:16]
        if not hmac.compare_digest(checksum, header.raw[48:64]):
            raise MalformedHash(self.name, "header checksum does not match")
        return header

    def _check_bounds(self, header: _Header) -> None:
        check_scrypt(self.name, self._ceilings, n=2**header.log_n, r=header.r, p=header.p)

    def verify(self, password: str, encoded: str) -> bool:
        header = self._parse(encoded)
        self._check_bounds(header)
        secret = utf8(password)
        if secret is None:
            return False
        return hmac.compare_digest(self._mac(secret, header), header.raw[64:])

    def _mac(self, secret: bytes, header: _Header) -> bytes:
        """Bytes 64-95 of the value ``secret`` gives under ``header`` (bounds already checked)."""
        try:
            key = hashlib.scrypt(
                secret,
                salt=header.raw[16:48],
                n=2**header.log_n,
                r=header.r,
                p=header.p,
                maxmem=self._ceilings.max_memory_bytes,
                dklen=64,
            )
        except ValueError as exc:
            raise MalformedHash(self.name, "scrypt refused the parameters") from exc
        return hmac.new(key[32:], header.raw[:64], hashlib.sha256).digest()

    def is_weak(self, encoded: str) -> bool:
        header = self._parse(encoded)
        return scrypt_below_floor(2**header.log_n, header.r)

    def inner_parts(self, encoded: str) -> InnerParts:
        """Setting: the base64 of the header and salt; digest: the HMAC (bytes 64-95)."""
        header = self._parse(encoded)
        return InnerParts(self.name, encoded[:_SETTING_LENGTH], header.raw[64:])

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        header = _setting_header(setting)
        if header is None:
            raise MalformedHash(self.name, "setting is not base64 of a scrypt-kdf header and salt")
        self._check_bounds(header)
        secret = utf8(password)
        return None if secret is None else self._mac(secret, header)


class MedusaV1Verifier(ScryptKdfVerifier):
    """Medusa v1 customers and users: scrypt-kdf with N = 2, r = 1, p = 1."""

    name = "medusa-v1"

    def _claims(self, params: tuple[int, int, int]) -> bool:
        return params == MEDUSA_V1_PARAMS

    def is_weak(self, encoded: str) -> bool:
        self._parse(encoded)
        return True


class MedusaV2Verifier(ScryptKdfVerifier):
    """Medusa v2 ``auth-emailpass`` identities: scrypt-kdf, by default logN 15, r 8, p 1."""

    name = "medusa-v2"

    def _claims(self, params: tuple[int, int, int]) -> bool:
        return params != MEDUSA_V1_PARAMS
