"""Weak stored hashes wrapped in Argon2id, so they can be strengthened without a login.

Django's "password upgrading without requiring a login": a weak hash (Medusa v1's
scrypt with N = 2, unsalted MD5, phpass...) is split into its setting (parameters and
salt) and its digest; the digest is replaced by Argon2id over it. The stored value
then reads

    hashless-hardened$<inner format>$<inner setting>$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>

and no longer verifies with the inner algorithm alone: an attacker holding the database
must pay Argon2id for every guess. Verifying recomputes the inner digest from the typed
password and the kept setting, then checks it against the Argon2id hash. The inner
setting may itself contain ``$``; the Argon2id PHC string is always the last five
``$``-separated fields. Both halves are bounded by the ceilings before any work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from hashless.errors import ConfigurationError, MalformedHash
from hashless.legacy._argon2_core import (
    argon2_bounded,
    argon2_is_weak,
    argon2_matches,
    looks_like_argon2,
)
from hashless.legacy._optional import argon2id_phc
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.hardenable import Hardenable
from hashless.legacy.strength import (
    ARGON2_MIN_MEMORY_KIB,
    ARGON2_MIN_TIME_COST,
    argon2_below_floor,
)

__all__ = ["HARDENED_FORMAT", "HardenedVerifier", "WrapCost"]

HARDENED_FORMAT = "hardened"
_PREFIX = "hashless-hardened$"
_SALT_BYTES = 16
_HASH_BYTES = 32


@dataclass(frozen=True, slots=True)
class WrapCost:
    """The Argon2id cost of the outer hash; never below the ASVS floor (19 MiB, 2 passes)."""

    memory_kib: int = ARGON2_MIN_MEMORY_KIB
    time_cost: int = ARGON2_MIN_TIME_COST
    parallelism: int = 1

    def __post_init__(self) -> None:
        if self.parallelism < 1 or argon2_below_floor(self.memory_kib, self.time_cost):
            raise ConfigurationError(
                f"the hardening cost must be at least {ARGON2_MIN_MEMORY_KIB} KiB, "
                f"{ARGON2_MIN_TIME_COST} passes and 1 lane"
            )

    def __str__(self) -> str:
        return f"m={self.memory_kib},t={self.time_cost},p={self.parallelism}"


@dataclass(frozen=True, slots=True)
class _Fields:
    inner_format: str
    setting: str
    outer: str


def _fields(encoded: str) -> _Fields | None:
    if not encoded.startswith(_PREFIX):
        return None
    head, *phc = encoded.rsplit("$", 5)
    outer = "$" + "$".join(phc)
    inner_format, sep, setting = head[len(_PREFIX) :].partition("$")
    if not sep or not inner_format or not outer.startswith("$argon2id$"):
        return None
    if not looks_like_argon2(outer):
        return None
    return _Fields(inner_format, setting, outer)


class HardenedVerifier:
    """Verifies hardened values, and makes them from the hashes of ``inner`` formats."""

    name: str = HARDENED_FORMAT

    def __init__(self, inner: Iterable[object], ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._inner = {v.name: v for v in inner if isinstance(v, Hardenable)}
        self._ceilings = ceilings

    @property
    def inner_formats(self) -> list[str]:
        """Formats whose hashes ``wrap`` can harden (some only in some shapes)."""
        return list(self._inner)

    def identify(self, encoded: str) -> bool:
        return _fields(encoded) is not None

    def _parse(self, encoded: str) -> tuple[Hardenable, _Fields]:
        fields = _fields(encoded)
        if fields is None:
            raise MalformedHash(self.name, "not a hashless-hardened value")
        inner = self._inner.get(fields.inner_format)
        if inner is None:
            raise MalformedHash(self.name, "the inner format cannot be hardened")
        return inner, fields

    def verify(self, password: str, encoded: str) -> bool:
        inner, fields = self._parse(encoded)
        # Both halves are bounded before either costs anything.
        argon2_bounded(fields.outer, format_name=self.name, ceilings=self._ceilings)
        digest = inner.inner_digest(password, fields.setting)
        if digest is None:
            return False
        return argon2_matches(digest, fields.outer, format_name=self.name, ceilings=self._ceilings)

    def is_weak(self, encoded: str) -> bool:
        _, fields = self._parse(encoded)
        return argon2_is_weak(fields.outer, format_name=self.name)

    def check_cost(self, cost: WrapCost) -> None:
        """``ConfigurationError`` if values wrapped at ``cost`` could not be verified here."""
        c = self._ceilings
        if (
            cost.memory_kib * 1024 > c.max_memory_bytes
            or cost.time_cost > c.argon2_max_time_cost
            or cost.parallelism > c.argon2_max_parallelism
        ):
            # The verifier would refuse such a value: every customer would be locked out.
            raise ConfigurationError(f"the hardening cost {cost} exceeds the legacy hash ceilings")

    def can_wrap(self, format_name: str, encoded: str) -> bool:
        """Whether ``wrap`` would harden ``encoded`` (cheap: parsing only)."""
        inner = self._inner.get(format_name)
        try:
            return inner is not None and inner.inner_parts(encoded) is not None
        except MalformedHash:
            return False

    def wraps(self, hardened: str, format_name: str, encoded: str) -> bool:
        """True if ``hardened`` was made from ``encoded`` (a hash stored as ``format_name``).

        Lets a repeated import recognise a hash it already delivered and ``harden``
        wrapped since. The setting holds the salt, which every supported platform draws
        afresh for each password, so equal settings mean the same hash; an unsalted
        hash (empty setting) costs one Argon2id check of its digest instead.
        """
        fields = _fields(hardened)
        inner = self._inner.get(format_name)
        if fields is None or inner is None:
            return False
        try:
            parts = inner.inner_parts(encoded)
            if parts is None or (parts.format_name, parts.setting) != (
                fields.inner_format,
                fields.setting,
            ):
                return False
            return bool(parts.setting) or argon2_matches(
                parts.digest, fields.outer, format_name=self.name, ceilings=self._ceilings
            )
        except MalformedHash:
            return False

    def wrap(self, format_name: str, encoded: str, cost: WrapCost) -> str | None:
        """The hardened value of ``encoded`` (stored as ``format_name``).

        None if that format, or this shape of it, cannot be hardened; ``MalformedHash``
        if the value cannot be parsed. Costs one Argon2id computation.
        """
        self.check_cost(cost)
        inner = self._inner.get(format_name)
        parts = inner.inner_parts(encoded) if inner is not None else None
        if parts is None:
            return None
        outer = argon2id_phc(
            parts.digest,
            os.urandom(_SALT_BYTES),
            time_cost=cost.time_cost,
            memory_kib=cost.memory_kib,
            parallelism=cost.parallelism,
            hash_len=_HASH_BYTES,
            format_name=self.name,
        )
        return f"{_PREFIX}{parts.format_name}${parts.setting}{outer}"
