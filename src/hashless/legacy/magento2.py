"""Magento 2 ``hash:salt:version`` values (``customer_entity.password_hash``, admin passwords).

Transcribed from ``Magento\\Framework\\Encryption\\Encryptor`` (``getHash``,
``isValidHash``, ``getArgonHash``). The version part is a colon-separated history:
``customer:hash:upgrade`` re-hashes the stored hash and appends the new version, so
``1:2`` means Argon2id over the hex SHA-256. Each step hashes the previous step's
lowercase hex output (the password for the first step):

* ``0``: MD5(salt + input), ``1``: SHA-256(salt + input);
* ``2``: Argon2id v1.3 via libsodium ``crypto_pwhash`` with the interactive limits
  (2 passes, 64 MiB, one lane), 32-byte output;
* ``3_<bytes>_<passes>_<memory bytes>``: the same with the parameters written out.

Argon2 uses the salt's first 16 bytes, a shorter salt repeated to 16 (PHP's
``str_pad($salt, 16, $salt)``); an empty salt cannot be padded and Magento never
verifies it. Magento casts unknown version strings with ``(int)`` (so ``"x"`` would be
MD5); we accept only the spellings Magento writes. Magento 1's two-part ``hash:salt``
values need the store's encryption key and are not supported.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from hashless.errors import MalformedHash
from hashless.legacy._optional import argon2_hash_raw
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.hardenable import InnerParts
from hashless.legacy.strength import argon2_below_floor

__all__ = ["Magento2Verifier"]

_SALT_BYTES = 16  # SODIUM_CRYPTO_PWHASH_SALTBYTES
_MAX_STEPS = 4
_AGNOSTIC = re.compile(r"3_([0-9]{1,3})_([0-9]{1,6})_([0-9]{1,12})")
_SHAPE = re.compile(r"[0-9a-f]{32,256}:[^:]*:(?:[0-3]|3_[0-9_]+)(?::(?:[0-3]|3_[0-9_]+)){0,3}")


@dataclass(frozen=True, slots=True)
class _ArgonStep:
    hash_len: int
    passes: int
    memory_bytes: int


_Step = str | _ArgonStep
# Version 2: SODIUM_CRYPTO_SIGN_SEEDBYTES, OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE.
_INTERACTIVE = _ArgonStep(32, 2, 64 * 1024 * 1024)


def _parse(encoded: str, name: str) -> tuple[str, bytes, list[_Step]]:
    stored, _, setting = encoded.partition(":")
    if not re.fullmatch(r"[0-9a-f]+", stored):
        raise MalformedHash(name, "not a hash:salt:version value")
    salt, steps = _parse_setting(setting, name)
    return stored, salt, steps


def _parse_setting(setting: str, name: str) -> tuple[bytes, list[_Step]]:
    """``salt:version[:version...]``, everything but the hash."""
    parts = setting.split(":", 1)
    if len(parts) != 2:
        raise MalformedHash(name, "not a hash:salt:version value")
    salt = utf8(parts[0])
    versions = parts[1].split(":")
    if salt is None or not 1 <= len(versions) <= _MAX_STEPS:
        raise MalformedHash(name, f"salt unreadable or not 1..{_MAX_STEPS} hash versions")
    steps: list[_Step] = []
    for version in versions:
        if version in ("0", "1"):
            steps.append(version)
            continue
        match = _AGNOSTIC.fullmatch(version)
        if version == "2":
            step = _INTERACTIVE
        elif match is not None:
            step = _ArgonStep(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        else:
            raise MalformedHash(name, "unknown hash version")
        if not salt:
            raise MalformedHash(name, "Argon2 step with an empty salt")
        steps.append(step)
    return salt, steps


class Magento2Verifier:
    """Magento 2 password hashes, every version chain Magento writes."""

    name: str = "magento2"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return _SHAPE.fullmatch(encoded) is not None

    def _argon2(self, data: bytes, salt: bytes, step: _ArgonStep) -> bytes:
        c = self._ceilings
        # libsodium's own limits: output >= 16 bytes, >= 1 pass, >= 8 KiB.
        if not 16 <= step.hash_len <= 64:
            raise MalformedHash(self.name, f"Argon2 output of {step.hash_len} bytes outside 16..64")
        if not 1 <= step.passes <= c.argon2_max_time_cost:
            raise MalformedHash(
                self.name, f"Argon2 passes {step.passes} outside 1..{c.argon2_max_time_cost}"
            )
        if not 8192 <= step.memory_bytes <= c.max_memory_bytes:
            raise MalformedHash(
                self.name,
                f"Argon2 memory {step.memory_bytes} bytes outside 8192..{c.max_memory_bytes}",
            )
        padded = (salt * (_SALT_BYTES // len(salt) + 1))[:_SALT_BYTES]
        try:
            raw = argon2_hash_raw(
                data,
                padded,
                time_cost=step.passes,
                memory_kib=step.memory_bytes // 1024,
                parallelism=1,
                hash_len=step.hash_len,
                format_name=self.name,
            )
        except ValueError as exc:
            raise MalformedHash(self.name, "libargon2 refused the parameters") from exc
        return raw.hex().encode("ascii")

    def verify(self, password: str, encoded: str) -> bool:
        stored, salt, steps = _parse(encoded, self.name)
        secret = utf8(password)
        if secret is None:
            return False
        return hmac.compare_digest(self._recreate(secret, salt, steps), stored.encode("ascii"))

    def _recreate(self, secret: bytes, salt: bytes, steps: list[_Step]) -> bytes:
        """The lowercase hex the chain of ``steps`` makes of ``secret``."""
        recreated = secret
        digests: dict[str, Callable[[bytes], str]] = {
            "0": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "1": lambda data: hashlib.sha256(data).hexdigest(),
        }
        for step in steps:
            if isinstance(step, _ArgonStep):
                recreated = self._argon2(recreated, salt, step)
            else:
                recreated = digests[step](salt + recreated).encode("ascii")
        return recreated

    def is_weak(self, encoded: str) -> bool:
        _, _, steps = _parse(encoded, self.name)
        # The chain costs at least its strongest step; MD5 and SHA-256 steps cost nothing.
        return all(
            not isinstance(step, _ArgonStep)
            or argon2_below_floor(step.memory_bytes // 1024, step.passes)
            for step in steps
        )

    def inner_parts(self, encoded: str) -> InnerParts:
        """Setting: ``salt:version...``; digest: the hash's bytes."""
        stored, _, _ = _parse(encoded, self.name)
        if len(stored) % 2:
            raise MalformedHash(self.name, "hash has an odd number of hex digits")
        return InnerParts(self.name, encoded.partition(":")[2], bytes.fromhex(stored))

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        salt, steps = _parse_setting(setting, self.name)
        secret = utf8(password)
        if secret is None:
            return None
        return bytes.fromhex(self._recreate(secret, salt, steps).decode("ascii"))
