"""The same flows with a custom ``AUTH_USER_MODEL`` (run by ``test_custom_user_models.py``).

``custom_users.ShopUser`` extends ``AbstractUser``; ``custom_users.EmailCustomer`` is an
``AbstractBaseUser`` that signs in by email, has a UUID primary key and no staff flags.
Neither table has a column for hashless.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.urls import reverse

from hashless.django.conf import username_for
from hashless.django.markers import is_marker
from tests.django.support import legacy_hash, stored_password

User: Any = get_user_model()
PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def _login_name(name: str) -> str:
    return f"{name}@example.com" if User.USERNAME_FIELD == "email" else name


def _legacy(name: str, password: str, **fields: Any) -> Any:
    values = {User.USERNAME_FIELD: _login_name(name), "password": legacy_hash(password), **fields}
    if User.USERNAME_FIELD != "email":
        values["email"] = f"{name}@example.com"
    return User._default_manager.create(**values)


def _create(name: str, password: str) -> Any:
    if User.USERNAME_FIELD == "email":
        return User.objects.create_user(_login_name(name), password)
    return User.objects.create_user(name, f"{name}@example.com", password)


def test_runs_with_the_custom_model() -> None:
    """This process really uses the custom model."""
    assert User._meta.app_label == "custom_users"


@pytest.mark.django_db
def test_legacy_user_migrates_through_login_view(pool: Any) -> None:
    """LoginView with the model's USERNAME_FIELD: the Django hash gives way to a marker."""
    ann = _legacy("ann", PASSWORD)
    client = Client()
    response = client.post(reverse("login"), {"username": _login_name("ann"), "password": PASSWORD})
    assert response.status_code == 302
    assert is_marker(stored_password(ann)) and pool.accepts(ann, PASSWORD)
    assert client.get("/").context["user"].pk == ann.pk


@pytest.mark.django_db
def test_create_set_and_check_passwords(pool: Any) -> None:
    """``create_user``, ``set_password`` + ``save`` and ``check_password`` go to Cognito."""
    ann = _create("ann", PASSWORD)
    assert is_marker(stored_password(ann)) and pool.accepts(ann, PASSWORD)
    ann.set_password(NEW)
    ann.save()
    assert pool.accepts(ann, NEW) and not pool.accepts(ann, PASSWORD)
    fresh = User._default_manager.get(pk=ann.pk)
    assert fresh.check_password(NEW) and not fresh.check_password(PASSWORD)
    assert authenticate(username=_login_name("ann"), password=NEW) == ann


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_cognito_user(pool: Any) -> None:
    """Deleting the custom user deletes its Cognito user after commit."""
    ann = _create("ann", PASSWORD)
    cognito_user = username_for(ann.pk)
    assert pool.has_user(cognito_user)
    ann.delete()
    assert not pool.has_user(cognito_user)


@pytest.mark.django_db
def test_staff_stays_local_where_the_model_has_staff(pool: Any) -> None:
    """An ``AbstractUser`` staff member keeps a local hash; a model without ``is_staff``
    has only customers."""
    if not hasattr(User, "is_staff"):
        assert _create("ann", PASSWORD) and is_marker(stored_password(User.objects.get()))
        return
    boss = _legacy("boss", PASSWORD, is_staff=True)
    before = stored_password(boss)
    assert authenticate(username="boss", password=PASSWORD) == boss
    assert stored_password(boss) == before and not pool.has_user(boss)
