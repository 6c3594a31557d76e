"""A password validator for ``AUTH_PASSWORD_VALIDATORS``: Cognito's rules, in the form.

Cognito refuses passwords shorter than the pool's minimum (8 for pools made by
``hashless provision``), longer than 256 characters, with leading or trailing
whitespace, or containing NUL. Without this validator such a password passes Django's
forms and is refused when the user is saved (``PasswordRejected``); with it the form
shows the reason. Users out of scope keep local passwords and are not held to it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hashless.django.conf import in_scope
from hashless.errors import PasswordRejected
from hashless.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, validate_new_password

__all__ = ["CognitoPasswordValidator"]


class CognitoPasswordValidator:
    """Refuses, in the form, the passwords Cognito would refuse on save."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is not None and not in_scope(user):
            return
        try:
            validate_new_password(password)
        except PasswordRejected as exc:
            raise ValidationError(exc.reason, code="password_not_storable") from None

    def get_help_text(self) -> str:
        return _(
            "Your password must contain %(min)d to %(max)d characters and must not begin "
            "or end with a space."
        ) % {"min": MIN_PASSWORD_LENGTH, "max": MAX_PASSWORD_LENGTH}
