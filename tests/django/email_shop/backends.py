"""The project's backend, written as e-commerce projects write it (no hashless in it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    """Finds users by email, case-insensitively, and tries each one with that email.

    Like many shops' backends it hashes nothing for an unknown email: hashless pads
    that failure as a whole (``user_login_failed``).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        email = kwargs.get("email", username)
        if not email or "@" not in email or password is None:
            return None
        model = get_user_model()
        for user in model._default_manager.filter(email__iexact=email.strip()):
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
