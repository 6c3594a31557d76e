"""Ready-made values for ``HASHLESS["SCOPE"]``: who moves to Cognito.

A scope is any callable ``(user) -> bool``. It is asked whenever a password is set
and at every login; a user who leaves the scope keeps a Cognito password until the
password is next set (migration is one way), and one who enters it moves at the next
login or password change.
"""

from __future__ import annotations

from typing import Any

__all__ = ["customers", "everyone"]


def customers(user: Any) -> bool:
    """Everyone but staff and superusers, who keep local Django passwords (the default).

    Mirrors the original plugin, which only ever touched customers: the people who
    run the shop can still reach the admin while Cognito is unreachable. Custom user
    models without ``is_staff`` or ``is_superuser`` count as customers.
    """
    return not (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def everyone(user: Any) -> bool:
    """Every user, staff and superusers included."""
    return True
