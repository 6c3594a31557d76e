"""Helpers for the Django tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.crypto import get_random_string
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.cognito import CognitoCredentialStore
from hashless.django.conf import username_for
from hashless.errors import InvalidCredentials


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The tests' local hasher: Django's PBKDF2 with few iterations."""

    iterations = 1000


def legacy_hash(password: str, iterations: int = 1000) -> str:
    """A ``pbkdf2_sha256`` hash as Django itself writes it."""
    return str(PBKDF2PasswordHasher().encode(password, get_random_string(22), iterations))


def legacy_user(username: str, password: str, iterations: int = 1000, **fields: Any) -> Any:
    """A user as found in an existing project: a Django hash in ``password``."""
    fields.setdefault("email", f"{username}@example.com")
    return get_user_model()._default_manager.create(
        username=username, password=legacy_hash(password, iterations), **fields
    )


def stored_password(user: Any) -> str:
    value = get_user_model()._base_manager.filter(pk=user.pk).values_list("password", flat=True)
    return str(value.get())


class Pool:
    """Looks into the moto user pool the tests run against."""

    def __init__(
        self, client: CognitoIdentityProviderClient, store: CognitoCredentialStore, pool_id: str
    ) -> None:
        self.client = client
        self.store = store
        self.pool_id = pool_id

    def has_user(self, user: Any) -> bool:
        """``user``: a user, or a Cognito username (a deleted user has no pk left)."""
        username = user if isinstance(user, str) else username_for(user.pk)
        assert username.rpartition("-")[2] != "None"
        try:
            self.client.admin_get_user(UserPoolId=self.pool_id, Username=username)
        except self.client.exceptions.UserNotFoundException:
            return False
        return True

    def accepts(self, user: Any, password: str) -> bool:
        try:
            self.store.check(username_for(user.pk), password)
        except InvalidCredentials:
            return False
        return True
