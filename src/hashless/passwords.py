"""Rules a password must meet before any hashing or network call is spent on it."""

from __future__ import annotations

from hashless.errors import PasswordRejected

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "storable_reason", "validate_new_password"]

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


def validate_new_password(password: str) -> None:
    """Raise ``PasswordRejected`` for a password a customer may not choose."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    reason = storable_reason(password)
    if reason is not None:
        raise PasswordRejected(reason)
