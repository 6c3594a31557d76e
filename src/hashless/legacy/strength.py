"""Whether a stored legacy hash is below the project's strength floor.

The floors are the ASVS 5.0 ones in the security reference: scrypt N >= 2**17 with
r >= 8; Argon2 >= 19 MiB and >= 2 passes; bcrypt cost >= 10; PBKDF2-SHA256 >=
600,000 iterations. PBKDF2-SHA1 uses OWASP's 1,300,000. Unsalted or fast digests
(MD5, SHA-1, SHA-256, phpass, Medusa v1) are always weak. The answer feeds status
reporting: every day a weak hash stays in the database is exposure.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hashless.errors import MalformedHash
from hashless.legacy.registry import VerifierRegistry

__all__ = [
    "ARGON2_MIN_MEMORY_KIB",
    "ARGON2_MIN_TIME_COST",
    "BCRYPT_MIN_COST",
    "PBKDF2_SHA1_MIN_ITERATIONS",
    "PBKDF2_SHA256_MIN_ITERATIONS",
    "SCRYPT_MIN_N",
    "SCRYPT_MIN_R",
    "StrengthAware",
    "argon2_below_floor",
    "bcrypt_below_floor",
    "hash_is_weak",
    "pbkdf2_below_floor",
    "scrypt_below_floor",
]

SCRYPT_MIN_N = 2**17
SCRYPT_MIN_R = 8
ARGON2_MIN_MEMORY_KIB = 19 * 1024
ARGON2_MIN_TIME_COST = 2
BCRYPT_MIN_COST = 10
PBKDF2_SHA256_MIN_ITERATIONS = 600_000
PBKDF2_SHA1_MIN_ITERATIONS = 1_300_000


@runtime_checkable
class StrengthAware(Protocol):
    """A verifier that can judge a stored hash against the strength floor."""

    def is_weak(self, encoded: str) -> bool:
        """True if ``encoded`` is below the floor; ``MalformedHash`` if unparseable."""


def scrypt_below_floor(n: int, r: int) -> bool:
    return n < SCRYPT_MIN_N or r < SCRYPT_MIN_R


def argon2_below_floor(memory_kib: int, time_cost: int) -> bool:
    return memory_kib < ARGON2_MIN_MEMORY_KIB or time_cost < ARGON2_MIN_TIME_COST


def bcrypt_below_floor(cost: int) -> bool:
    return cost < BCRYPT_MIN_COST


def pbkdf2_below_floor(digest: str, iterations: int) -> bool:
    floor = PBKDF2_SHA1_MIN_ITERATIONS if digest == "sha1" else PBKDF2_SHA256_MIN_ITERATIONS
    return iterations < floor


def hash_is_weak(
    registry: VerifierRegistry, encoded: str, *, format_name: str | None = None
) -> bool | None:
    """Whether ``encoded`` is below the floor; None if its format is unknown or it is malformed."""
    verifier = registry.get(format_name) if format_name else registry.detect(encoded)
    if not isinstance(verifier, StrengthAware):
        return None
    try:
        return verifier.is_weak(encoded)
    except MalformedHash:
        return None
