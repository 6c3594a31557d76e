"""``user.check_password()`` under hashless: the one password check every backend reaches.

Django's ``ModelBackend``, a project's subclass that finds users by email,
django-allauth's ``AuthenticationBackend``, DRF's basic auth and the password-change
forms all end in ``user.check_password()``. Django's own version cannot keep hashless'
guarantees there: with ``CognitoPasswordHasher`` preferred, Django treats every local
hash as one to upgrade (its hasher "changed"), so a staff login re-hashes and rewrites
the password; and Django's hasher API never learns whose password it checks, so it
cannot tell a customer who moves to Cognito from staff who stay local.

So ``install`` (run from ``AppConfig.ready``) gives ``AUTH_USER_MODEL`` hashless'
``check_password`` and ``acheck_password``. For every caller:

* a password longer than Cognito accepts fails without any work;
* a user in scope, or whose password already lives in Cognito, is checked by the
  migration engine: Cognito for migrated users; Django's hasher for a legacy hash,
  which on success moves to Cognito under the user's row lock, once;
* a user out of scope (staff) is checked against the local hash with the local hasher
  preferred: one hash, and a write only for a real upgrade (more iterations...);
* a failed check is padded to the login floor (``hashless.django.timing``), and the
  dummy hash a backend computes for an unknown user costs the same floor
  (``CognitoPasswordHasher.encode``); a failed ``authenticate()`` in a request is
  padded once more as a whole (``user_login_failed``), for backends that do more or
  less than one check: unknown, legacy and migrated users fail alike;
* a Cognito outage raises ``CredentialStoreUnavailable`` (a 503 with the middleware),
  never ``False``; right after one, every failed check does, and so does every failed
  ``authenticate()`` (``user_login_failed``), so an outage tells nobody who exists.

A user model that defines its own ``check_password`` keeps it (``hashless.W005``).
"""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.signals import request_finished, request_started
from django.views.decorators.debug import sensitive_variables

from hashless.django import timing
from hashless.django.conf import in_scope, username_for
from hashless.django.engine import get_engine
from hashless.django.hashers import local_algorithm
from hashless.django.markers import is_marker
from hashless.django.records import current_password
from hashless.django.timing import login_timing
from hashless.errors import CredentialStoreUnavailable, InvalidCredentials
from hashless.migration.records import CredentialState
from hashless.passwords import MAX_PASSWORD_LENGTH

__all__ = ["acheck_password", "check_password", "install", "is_installed", "overrides_check"]


@sensitive_variables()
def check_password(user: Any, raw_password: str | None) -> bool:
    """hashless' ``user.check_password(raw_password)``; see the module docstring."""
    started = time.monotonic()
    try:
        verified = raw_password is not None and _verify(user, raw_password)
    except CredentialStoreUnavailable as exc:
        login_timing.note_outage(exc.retry_after)
        raise
    if not verified:
        login_timing.pad(started)
        raise_during_outage()
    return verified


async def acheck_password(user: Any, raw_password: str | None) -> bool:
    return await sync_to_async(check_password)(user, raw_password)


def raise_during_outage() -> None:
    """A failure right after an outage is the outage, not a wrong password."""
    if login_timing.in_outage():
        raise CredentialStoreUnavailable("login", "the credential store failed recently")


@sensitive_variables()
def _verify(user: Any, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    started = time.monotonic()
    if is_marker(user.password) or in_scope(user):
        verified = _check_with_engine(user, password)
    else:
        verified = _check_locally(user, password)
    login_timing.observe(time.monotonic() - started)
    return verified


@sensitive_variables()
def _check_with_engine(user: Any, password: str) -> bool:
    if user.pk is None:
        # Not saved: no row to migrate, and a marker would name another row's password.
        return not is_marker(user.password) and _check_locally(user, password)
    try:
        record = get_engine().verify(username_for(user.pk), password)
    except InvalidCredentials:
        return False
    if record.state is CredentialState.COGNITO and not is_marker(user.password):
        # Just migrated: login() derives the session hash from User.password.
        user.password = current_password(user.pk) or user.password
    return True


@sensitive_variables()
def _check_locally(user: Any, password: str) -> bool:
    def setter(raw_password: str) -> None:
        # Django's hash upgrade (more iterations, a new local hasher), for users who
        # keep a local password.
        user.set_password(raw_password)
        user._password = None  # an upgrade, not a change
        user.save(update_fields=["password"])

    # The local hasher is preferred, not CognitoPasswordHasher: a current local hash
    # needs no upgrade, so a staff login hashes once and writes nothing.
    return bool(
        django_hashers.check_password(
            password,
            user.password,
            setter if user.pk is not None else None,
            preferred=local_algorithm(),
        )
    )


def overrides_check(model: type[Any]) -> bool:
    """True if the model defines a ``check_password`` of its own (hashless keeps it)."""
    found = model.check_password
    return found is not AbstractBaseUser.check_password and found is not _model_check_password


def is_installed(model: type[Any]) -> bool:
    return model.check_password is _model_check_password


def install(model: type[Any]) -> None:
    """Give ``model`` (``AUTH_USER_MODEL``) hashless' ``check_password``, unless it has its own.

    Its proxies and subclasses inherit it. Also connects the receivers that time a
    request and pad a failed ``authenticate()`` in it, or answer it with the outage.
    """
    if not overrides_check(model):
        model.check_password = _model_check_password
        model.acheck_password = _model_acheck_password
    request_started.connect(timing.note_request_started, dispatch_uid="hashless:timing")
    request_finished.connect(timing.note_request_finished, dispatch_uid="hashless:timing")
    user_login_failed.connect(_after_failed_login, dispatch_uid="hashless:failed")


def _model_check_password(self: Any, raw_password: str | None) -> bool:
    return check_password(self, raw_password)


async def _model_acheck_password(self: Any, raw_password: str | None) -> bool:
    return await acheck_password(self, raw_password)


def _after_failed_login(sender: Any, **_: Any) -> None:
    # Every backend has failed, however many checks (none, for an unknown user) ran.
    timing.pad_failed_login()
    raise_during_outage()
