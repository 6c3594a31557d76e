"""``CognitoBackend``: Django's ``ModelBackend`` with the login run by hashless' engine.

Put it in ``AUTHENTICATION_BACKENDS`` instead of ``ModelBackend``. It finds the user
as ``ModelBackend`` does (``get_by_natural_key``), keeps its permission handling, and
then:

* users in scope, and any user whose password already lives in Cognito, are checked
  by ``MigrationEngine.verify``: Cognito for migrated users; for users still on a
  Django hash, Django's own hasher, and on success the password moves to Cognito
  under the user's row lock, once, before the hash is replaced by the marker;
* users out of scope (staff and superusers by default) are checked against their
  local hash with Django's ``check_password``, hash upgrades included;
* unknown users cost no hashing and no Cognito call; every failed login is padded
  to the same floor (``hashless.django.timing``);
* a Cognito outage raises ``CredentialStoreUnavailable`` out of ``authenticate()``:
  an error page (503 with ``CredentialStoreUnavailableMiddleware``), never a
  "wrong password" form error, and no row changes.
"""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from hashless.django.conf import hashless_settings, in_scope, username_for
from hashless.django.engine import get_engine
from hashless.django.hashers import local_algorithm
from hashless.django.markers import is_marker
from hashless.django.records import current_password
from hashless.django.timing import login_timing
from hashless.errors import CredentialStoreUnavailable, InvalidCredentials
from hashless.migration.records import CredentialState
from hashless.passwords import MAX_PASSWORD_LENGTH

__all__ = ["CognitoBackend"]


class CognitoBackend(ModelBackend):
    """Authenticates ``AUTH_USER_MODEL`` users against Cognito, migrating lazily."""

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
            user = self._authenticate(model, username, password)
        except CredentialStoreUnavailable as exc:
            login_timing.note_outage(exc.retry_after)
            raise
        if user is None:
            login_timing.pad(started, hashless_settings().login_floor_seconds)
            if login_timing.in_outage():
                raise CredentialStoreUnavailable("login", "the credential store failed recently")
        return user

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

    @sensitive_variables()
    def _authenticate(
        self, model: type[AbstractBaseUser], username: str, password: str
    ) -> AbstractBaseUser | None:
        try:
            user = model._default_manager.get_by_natural_key(username)  # type: ignore[attr-defined]
        except model.DoesNotExist:
            return None
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        started = time.monotonic()
        if is_marker(user.password) or in_scope(user):
            verified = self._check_with_engine(user, password)
        else:
            verified = self._check_locally(user, password)
        login_timing.observe(time.monotonic() - started)
        if verified and self.user_can_authenticate(user):
            return user  # type: ignore[no-any-return]
        return None

    @sensitive_variables()
    def _check_with_engine(self, user: AbstractBaseUser, password: str) -> bool:
        try:
            record = get_engine().verify(username_for(user.pk), password)
        except InvalidCredentials:
            return False
        if record.state is CredentialState.COGNITO and not is_marker(user.password):
            # Just migrated: login() derives the session hash from User.password.
            user.password = current_password(user.pk) or user.password
        return True

    @sensitive_variables()
    def _check_locally(self, user: AbstractBaseUser, password: str) -> bool:
        def setter(raw_password: str) -> None:
            # Django's hash upgrade (more iterations, a new default hasher), for users
            # who keep a local password.
            user.set_password(raw_password)
            user._password = None  # type: ignore[attr-defined]  # an upgrade, not a change
            user.save(update_fields=["password"])

        # Preferred is the local hasher, not CognitoPasswordHasher: a current local
        # hash needs no upgrade.
        return bool(
            django_hashers.check_password(
                password, user.password, setter, preferred=local_algorithm()
            )
        )
