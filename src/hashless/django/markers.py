"""What ``User.password`` holds once the password lives in Cognito.

``hashless_cognito$<cognito username>$<nonce>``: no hash, nothing derived from the
password, so a database dump reveals nothing to crack. Django still counts it as a
*usable* password (it does not start with ``!``), which keeps the password-reset form
and the admin working. The nonce is new at every password change, so the session
hash Django derives from ``User.password`` changes too: a password change or reset
ends the user's other sessions exactly as it does with local hashes.
"""

from __future__ import annotations

from django.utils.crypto import get_random_string

__all__ = ["ALGORITHM", "MAX_LENGTH", "is_marker", "make_marker", "marker_username"]

ALGORITHM = "hashless_cognito"
_PREFIX = ALGORITHM + "$"
_NONCE_LENGTH = 22
"""22 characters of [A-Za-z0-9]: about 131 bits."""

MAX_LENGTH = 128
"""``AbstractBaseUser.password`` is a ``CharField(max_length=128)``."""


def make_marker(username: str) -> str:
    """A fresh marker for the Cognito user ``username``."""
    return f"{_PREFIX}{username}${get_random_string(_NONCE_LENGTH)}"


def marker_length(username: str) -> int:
    return len(_PREFIX) + len(username) + 1 + _NONCE_LENGTH


def is_marker(encoded: str | None) -> bool:
    return encoded is not None and encoded.startswith(_PREFIX)


def marker_username(encoded: str | None) -> str | None:
    """The Cognito username a marker names, or None if ``encoded`` is not a marker."""
    if not encoded or not encoded.startswith(_PREFIX):
        return None
    username, sep, nonce = encoded[len(_PREFIX) :].rpartition("$")
    if not sep or not username or len(nonce) != _NONCE_LENGTH:
        return None
    return username
