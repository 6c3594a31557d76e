"""The optional hash libraries, imported only when a format that needs them is used.

Medusa, phpass, Magento's SHA-256 and Django's PBKDF2/scrypt/digest formats need the
standard library only, so a deployment that migrates only those installs nothing
extra. bcrypt and Argon2 formats need the ``hashes`` extra; without it they raise a
``ConfigurationError`` that says how to install it (an operator's fix, not a
customer's failed login).
"""

from __future__ import annotations

from typing import Literal

from hashless.errors import ConfigurationError

__all__ = ["Argon2Type", "argon2_hash_raw", "argon2_verify", "argon2id_phc", "bcrypt_hashpw"]

Argon2Type = Literal["argon2id", "argon2i"]


def _missing(package: str, format_name: str) -> ConfigurationError:
    return ConfigurationError(
        f"The {format_name} legacy hash format needs the optional {package!r} package. "
        'Install it with: pip install "hashless[hashes]"'
    )


def bcrypt_hashpw(secret: bytes, setting: bytes, *, format_name: str) -> bytes:
    """``bcrypt.hashpw``; raises ``ValueError`` for a setting bcrypt rejects."""
    try:
        import bcrypt
    except ImportError as exc:
        raise _missing("bcrypt", format_name) from exc
    return bcrypt.hashpw(secret, setting)


def argon2_verify(encoded: str, secret: bytes, variant: Argon2Type, *, format_name: str) -> bool:
    """libargon2's verification of a PHC string.

    False on a mismatch; ``ValueError`` when libargon2 cannot use the value.
    """
    try:
        from argon2 import exceptions, low_level
    except ImportError as exc:
        raise _missing("argon2-cffi", format_name) from exc
    kind = low_level.Type.ID if variant == "argon2id" else low_level.Type.I
    try:
        return low_level.verify_secret(encoded.encode("ascii"), secret, kind)
    except exceptions.VerifyMismatchError:
        return False
    except exceptions.VerificationError as exc:
        raise ValueError("libargon2 could not use the value") from exc


def argon2_hash_raw(
    secret: bytes,
    salt: bytes,
    *,
    time_cost: int,
    memory_kib: int,
    parallelism: int,
    hash_len: int,
    format_name: str,
) -> bytes:
    """Raw Argon2id v1.3 output, as libsodium's ``crypto_pwhash`` computes it."""
    try:
        from argon2 import exceptions, low_level
    except ImportError as exc:
        raise _missing("argon2-cffi", format_name) from exc
    try:
        return low_level.hash_secret_raw(
            secret,
            salt,
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=hash_len,
            type=low_level.Type.ID,
            version=low_level.ARGON2_VERSION,
        )
    except exceptions.HashingError as exc:
        raise ValueError("libargon2 could not use the parameters") from exc


def argon2id_phc(
    secret: bytes,
    salt: bytes,
    *,
    time_cost: int,
    memory_kib: int,
    parallelism: int,
    hash_len: int,
    format_name: str,
) -> str:
    """An Argon2id v1.3 PHC string (``$argon2id$v=19$m=...``) of ``secret``."""
    try:
        from argon2 import low_level
    except ImportError as exc:
        raise _missing("argon2-cffi", format_name) from exc
    return low_level.hash_secret(
        secret,
        salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=parallelism,
        hash_len=hash_len,
        type=low_level.Type.ID,
        version=low_level.ARGON2_VERSION,
    ).decode("ascii")
