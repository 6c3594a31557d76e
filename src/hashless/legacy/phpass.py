"""phpass "portable" hashes: ``$P$`` (WordPress up to 6.7) and ``$H$`` (phpBB 3).

``$P$`` + one itoa64 character giving log2 of the MD5 round count + 8 salt characters
+ 22 characters of phpass's own little-endian base64 of the final MD5. phpass accepts
counts 2**7..2**30; the ceiling is much lower because a round costs a Python-level MD5.
Always weak: iterated MD5 is cheap on a GPU.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from hashless.errors import MalformedHash
from hashless.legacy._text import utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.hardenable import InnerParts

__all__ = [
    "PhpassVerifier",
    "looks_like_phpass",
    "phpass_crypt",
    "phpass_inner_parts",
    "phpass_log2_count",
    "phpass_matches",
]

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PORTABLE = re.compile(r"\$[PH]\$[./0-9A-Za-z]{31}")
_SETTING = re.compile(r"\$[PH]\$[./0-9A-Za-z]{9}")
_MAX_PASSWORD_BYTES = 4096  # phpass's CheckPassword refuses longer input


def looks_like_phpass(encoded: str) -> bool:
    return _PORTABLE.fullmatch(encoded) is not None


def _encode64(data: bytes, count: int) -> str:
    """phpass's encode64(): 6 bits at a time, least significant first."""
    out: list[str] = []
    i = 0
    while True:
        value = data[i]
        i += 1
        out.append(ITOA64[value & 0x3F])
        if i < count:
            value |= data[i] << 8
        out.append(ITOA64[(value >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            value |= data[i] << 16
        out.append(ITOA64[(value >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        out.append(ITOA64[(value >> 18) & 0x3F])
        if i >= count:
            break
    return "".join(out)


def _log2_count(setting: str, *, format_name: str) -> int:
    log2 = ITOA64.index(setting[3])
    if not 7 <= log2 <= 30:
        raise MalformedHash(format_name, f"phpass round count 2**{log2} outside 2**7..2**30")
    return log2


def phpass_log2_count(encoded: str, *, format_name: str) -> int:
    """log2 of the MD5 round count, within phpass's own 7..30."""
    if not looks_like_phpass(encoded):
        raise MalformedHash(format_name, "not a 34-character $P$/$H$ phpass string")
    return _log2_count(encoded, format_name=format_name)


def phpass_crypt(
    secret: bytes, setting: str, *, format_name: str, ceilings: Ceilings
) -> str | None:
    """The whole value ``secret`` gives under ``setting`` (the first 12 characters).

    None for a password longer than phpass accepts, which never matches.
    """
    if _SETTING.fullmatch(setting) is None:
        raise MalformedHash(format_name, "not a 12-character $P$/$H$ phpass setting")
    log2 = _log2_count(setting, format_name=format_name)
    if log2 > ceilings.phpass_max_log2_count:
        raise MalformedHash(
            format_name,
            f"phpass round count 2**{log2} above the ceiling 2**{ceilings.phpass_max_log2_count}",
        )
    if len(secret) > _MAX_PASSWORD_BYTES:
        return None
    digest = hashlib.md5(setting[4:12].encode("ascii") + secret, usedforsecurity=False).digest()
    for _ in range(1 << log2):
        digest = hashlib.md5(digest + secret, usedforsecurity=False).digest()
    return setting + _encode64(digest, 16)


def phpass_matches(secret: bytes, encoded: str, *, format_name: str, ceilings: Ceilings) -> bool:
    phpass_log2_count(encoded, format_name=format_name)
    computed = phpass_crypt(secret, encoded[:12], format_name=format_name, ceilings=ceilings)
    return computed is not None and hmac.compare_digest(
        computed.encode("ascii"), encoded.encode("ascii")
    )


def phpass_inner_parts(encoded: str, *, format_name: str) -> InnerParts:
    """Setting: ``$P$``, the round count and the salt; digest: the 22 characters of MD5."""
    phpass_log2_count(encoded, format_name=format_name)
    return InnerParts(format_name, encoded[:12], encoded[12:].encode("ascii"))


class PhpassVerifier:
    """phpass portable hashes, ``$P$`` and ``$H$``; the password is used as typed."""

    name: str = "phpass"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return looks_like_phpass(encoded)

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(password)
        if secret is None:
            return False
        return phpass_matches(secret, encoded, format_name=self.name, ceilings=self._ceilings)

    def is_weak(self, encoded: str) -> bool:
        phpass_log2_count(encoded, format_name=self.name)
        return True

    def inner_parts(self, encoded: str) -> InnerParts:
        return phpass_inner_parts(encoded, format_name=self.name)

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        secret = utf8(password)
        if secret is None:
            return None
        computed = phpass_crypt(secret, setting, format_name=self.name, ceilings=self._ceilings)
        return None if computed is None else computed[12:].encode("ascii")
