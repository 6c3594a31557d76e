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


class HashCalls:
    """Counts PBKDF2 checks (``verify``) and new hashes (``make_password``'s ``encode``)."""

    def __init__(self, monkeypatch: Any) -> None:
        from hashless.django.hashers import CognitoPasswordHasher

        self.verify = 0
        self.encode = 0
        verify, encode = PBKDF2PasswordHasher.verify, CognitoPasswordHasher.encode

        def counted_verify(hasher: Any, password: str, encoded: str) -> bool:
            self.verify += 1
            return bool(verify(hasher, password, encoded))

        def counted_encode(hasher: Any, password: str, salt: str) -> str:
            self.encode += 1
            return str(encode(hasher, password, salt))

        monkeypatch.setattr(PBKDF2PasswordHasher, "verify", counted_verify)
        monkeypatch.setattr(CognitoPasswordHasher, "encode", counted_encode)


def password_writes(queries: list[dict[str, Any]]) -> list[str]:
    """The UPDATEs among ``queries`` (a ``CaptureQueriesContext``) that set a password."""
    return [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"password" =' in q["sql"]
    ]
