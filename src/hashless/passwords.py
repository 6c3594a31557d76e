"""Rules a password must meet before any hashing or network call is spent on it."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from hashless.errors import PasswordRejected

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "is_common",
    "storable_reason",
    "validate_new_password",
]

MAX_PASSWORD_LENGTH = 256
"""Cognito's ceiling, in characters; longer input is refused before any work."""

MIN_PASSWORD_LENGTH = 8
"""NIST SP 800-63B's floor for a password chosen by the customer."""


def storable_reason(password: str) -> str | None:
    """Why the credential store would refuse ``password``, or None if it may accept it.

    Cognito rejects leading or trailing whitespace although its published pattern
    reads ``[\\S]+``; checking here spares a round trip and a half-created user.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters"
    if password != password.strip():
        return "Password must not begin or end with whitespace"
    if "\x00" in password:
        return "Password must not contain NUL characters"
    return None


@cache
def _common_passwords() -> frozenset[str]:
    data = resources.files("hashless.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def is_common(password: str) -> bool:
    """True for a password on the bundled list of common, breached passwords."""
    return password.casefold() in _common_passwords()


def validate_new_password(password: str) -> None:
    """Raise ``PasswordRejected`` for a password a customer may not choose.

    Only new passwords: a legacy password that breaks these rules still logs in.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    reason = storable_reason(password)
    if reason is not None:
        raise PasswordRejected(reason)
    if is_common(password):
        raise PasswordRejected("This password is too common: choose one that is harder to guess")
