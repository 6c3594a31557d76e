"""Upper bounds on the work factors a stored legacy hash may ask for.

Parameters are read from the stored value itself, so a planted or corrupted hash
could otherwise demand gigabytes of memory or hours of CPU on every login attempt.
A value beyond any bound is a ``MalformedHash``: a failed login and a warning, never
an unbounded computation. The defaults admit every platform default this package
knows (Django 5.2's scrypt p=5 and argon2 p=8, Magento's 64 MiB Argon2id, Medusa v2)
with head-room, and keep the worst single verification to a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from hashless.errors import ConfigurationError, MalformedHash

__all__ = ["DEFAULT_CEILINGS", "MIB", "Ceilings", "scrypt_memory"]

MIB = 1024 * 1024

_INT_MAX = 2**31 - 1
"""hashlib.scrypt refuses a ``maxmem`` above a C int."""


@dataclass(frozen=True, slots=True)
class Ceilings:
    """Configurable upper bounds; ``Ceilings(bcrypt_max_cost=12)`` overrides one."""

    max_memory_bytes: int = 256 * MIB
    """Memory one scrypt or Argon2 verification may allocate."""
    scrypt_max_log_n: int = 20
    scrypt_max_r: int = 16
    scrypt_max_p: int = 8
    argon2_max_time_cost: int = 10
    argon2_max_parallelism: int = 16
    bcrypt_max_cost: int = 15
    pbkdf2_max_iterations: int = 5_000_000
    phpass_max_log2_count: int = 18
    """phpass allows up to 2**30 MD5 rounds; WordPress writes 2**13, phpBB 2**11."""

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if type(value) is not int or value < 1:
                raise ConfigurationError(
                    f"legacy hash ceiling {field.name} must be a positive integer"
                )
        if self.max_memory_bytes > _INT_MAX:
            raise ConfigurationError(
                f"legacy hash ceiling max_memory_bytes must be at most {_INT_MAX} bytes"
            )
        if self.scrypt_max_log_n > 30:
            raise ConfigurationError("legacy hash ceiling scrypt_max_log_n must be at most 30")
        if self.bcrypt_max_cost > 31:
            raise ConfigurationError("legacy hash ceiling bcrypt_max_cost must be at most 31")
        if self.phpass_max_log2_count > 30:
            raise ConfigurationError("legacy hash ceiling phpass_max_log2_count must be at most 30")


DEFAULT_CEILINGS = Ceilings()


def check_scrypt(format_name: str, ceilings: Ceilings, *, n: int, r: int, p: int) -> None:
    """Raise ``MalformedHash`` for scrypt parameters beyond ``ceilings``, before any hashing."""
    if not 2 <= n <= 2**ceilings.scrypt_max_log_n:
        raise MalformedHash(format_name, f"scrypt N outside 2..2**{ceilings.scrypt_max_log_n}")
    if not 1 <= r <= ceilings.scrypt_max_r:
        raise MalformedHash(format_name, f"scrypt r {r} outside 1..{ceilings.scrypt_max_r}")
    if not 1 <= p <= ceilings.scrypt_max_p:
        raise MalformedHash(format_name, f"scrypt p {p} outside 1..{ceilings.scrypt_max_p}")
    memory = scrypt_memory(n, r, p)
    if memory > ceilings.max_memory_bytes:
        raise MalformedHash(
            format_name,
            f"scrypt needs {memory // 2**20} MiB, above the ceiling "
            f"{ceilings.max_memory_bytes // 2**20} MiB",
        )


def scrypt_memory(n: int, r: int, p: int) -> int:
    """Bytes OpenSSL's scrypt allocates, which is what ``maxmem`` is checked against."""
    return 128 * r * (n + 2) + 128 * r * p
