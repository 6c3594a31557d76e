"""Customer ids: the immutable username under which a customer's password is stored."""

from __future__ import annotations

from ulid import ULID

__all__ = ["new_customer_id"]


def new_customer_id() -> str:
    """A Medusa-style id, ``cus_`` + ULID.

    Used as the Cognito username instead of the email, so an email change never
    breaks sign-in and pools that alias ``email`` accept it.
    """
    return f"cus_{ULID()}"
