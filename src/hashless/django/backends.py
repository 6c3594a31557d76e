"""``CognitoBackend``: Django's ``ModelBackend`` for projects that log in by username.

hashless' guarantees live in ``user.check_password()`` (``hashless.django.checking``),
so any backend that calls it keeps them: ``ModelBackend``, a project's own subclass
that finds users by email, django-allauth's ``AuthenticationBackend``. This one finds
the user as ``ModelBackend`` does (``get_by_natural_key``), keeps its permission
handling, and differs in one thing: an unknown user costs no dummy hash, only the
wait until the login floor (``hashless.django.timing``), and right after a Cognito
outage it gets the outage error too, like everyone else.
"""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from hashless.django import checking
from hashless.django.timing import login_timing

__all__ = ["CognitoBackend"]


class CognitoBackend(ModelBackend):
    """Authenticates ``AUTH_USER_MODEL`` users by username, against Cognito or locally."""

    @sensitive_variables()
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        model = get_user_model()
        if username is None:
            username = kwargs.get(str(model.USERNAME_FIELD))
        if username is None or password is None:
            return None
        started = time.monotonic()
        try:
            user = model._default_manager.get_by_natural_key(username)  # type: ignore[attr-defined]
        except model.DoesNotExist:
            login_timing.pad(started)
            checking.raise_during_outage()
            return None
        # hashless' check whether or not the model has a check_password of its own.
        if checking.check_password(user, password) and self.user_can_authenticate(user):
            return user  # type: ignore[no-any-return]
        return None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
