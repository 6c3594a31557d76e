"""``CognitoPasswordHasher``: the first entry of ``PASSWORD_HASHERS``.

It has two jobs, both through Django's own hashing API:

* ``encode`` is what ``make_password`` (so ``set_password``, ``create_user``,
  ``createsuperuser``) calls for every new password. It cannot talk to Cognito: it
  does not know the user, and Django also calls it for throw-away users when hiding
  whether an account exists. So it returns an ordinary hash made by the next hasher
  in ``PASSWORD_HASHERS`` (the *local hasher*) and notes the password in
  ``hashless.django.pending``; the ``pre_save`` hook moves it to Cognito when the row
  is saved, for users in scope. Users out of scope keep that local hash. Each such
  hash takes at least the login floor (``hashless.django.timing``): ``ModelBackend``,
  django-allauth and most backends hash a throw-away password for an unknown user,
  and that must cost what a wrong password of a legacy or migrated user costs.
* ``verify`` checks a Cognito marker, so ``user.check_password()`` (and with it
  ``PasswordChangeForm``) asks Cognito for migrated users. A Cognito outage raises
  ``CredentialStoreUnavailable``: it is never a wrong password.

Being the preferred hasher also means that ``user.check_password()`` on a user still
holding a legacy hash upgrades it through Django's ``setter``, which here moves the
password to Cognito (once, under the user's lock).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import BasePasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str
from django.utils.translation import gettext_noop as _
from django.views.decorators.debug import sensitive_variables

from hashless.django.markers import ALGORITHM, marker_username
from hashless.django.pending import pending
from hashless.django.timing import login_timing
from hashless.errors import InvalidCredentials

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

__all__ = ["CognitoPasswordHasher", "local_algorithm", "local_hasher"]

HASHER_PATH = "hashless.django.hashers.CognitoPasswordHasher"


def local_hasher() -> BasePasswordHasher:
    """The hasher for passwords kept in Django: the first one in ``PASSWORD_HASHERS``
    after ``CognitoPasswordHasher``."""
    for hasher in django_hashers.get_hashers():
        if not isinstance(hasher, CognitoPasswordHasher):
            return hasher
    raise ImproperlyConfigured(
        "PASSWORD_HASHERS lists no hasher after hashless.django.hashers.CognitoPasswordHasher:"
        " add Django's own (e.g. django.contrib.auth.hashers.PBKDF2PasswordHasher) after it"
    )


def local_algorithm() -> str:
    """The local hasher's algorithm name, as ``check_password(preferred=...)`` takes it."""
    return str(local_hasher().algorithm)


class CognitoPasswordHasher(BasePasswordHasher):
    """Marks passwords held by Cognito and checks them there; hashes the rest locally."""

    algorithm = ALGORITHM

    def salt(self) -> str:
        # bcrypt's salt is bytes: pass whatever the local hasher makes straight back to it.
        salt: str = local_hasher().salt()
        return salt

    @sensitive_variables("password")
    def encode(self, password: str, salt: str) -> str:
        started = time.monotonic()
        encoded = str(local_hasher().encode(password, salt))
        login_timing.observe(time.monotonic() - started)
        pending.put(encoded, force_str(password))
        login_timing.pad(started)
        return encoded

    @sensitive_variables("password")
    def verify(self, password: str, encoded: str) -> bool:
        # Imported here: the engine module needs settings, hashers load without them.
        from hashless.django.engine import get_store

        username = marker_username(encoded)
        if username is None or password is None:
            return False
        try:
            get_store().check(username, force_str(password))
        except InvalidCredentials:
            return False
        return True

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, _, rest = encoded.partition("$")
        username, _, nonce = rest.rpartition("$")
        return {"algorithm": algorithm, "username": username, "hash": nonce, "salt": ""}

    def safe_summary(self, encoded: str) -> dict[str | _StrPromise, Any]:
        return {
            _("algorithm"): self.algorithm,
            _("stored in"): "Amazon Cognito",
            _("username"): marker_username(encoded) or "?",
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        # Failed checks are padded in hashless.django.checking instead.
        pass
