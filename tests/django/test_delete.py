"""Deleting a user deletes its Cognito user, once the transaction commits."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from hashless.django.conf import username_for
from hashless.errors import CredentialStoreUnavailable
from tests.django.support import legacy_user

User = get_user_model()
PASSWORD = "correct horse battery"


@pytest.mark.django_db(transaction=True)
def test_admin_delete_view_removes_the_cognito_user(pool: Any) -> None:
    """Django admin's delete view (a staff user deleting a customer) deletes both."""
    ann = User.objects.create_user("ann", "ann@example.com", PASSWORD)
    User.objects.create_user("boss", "boss@example.com", PASSWORD, is_staff=True, is_superuser=True)
    admin = Client()
    admin.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})
    cognito_user = username_for(ann.pk)
    assert pool.has_user(cognito_user)

    response = admin.post(reverse("admin:auth_user_delete", args=[ann.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=ann.pk).exists()
    assert not pool.has_user(cognito_user)


@pytest.mark.django_db(transaction=True)
def test_customer_closing_the_account_removes_the_cognito_user(pool: Any) -> None:
    """The shop's own delete view (``user.delete()``) deletes the Cognito user."""
    ann = legacy_user("ann", PASSWORD)
    client = Client()
    client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    cognito_user = username_for(ann.pk)
    assert pool.has_user(cognito_user)
    assert client.post(reverse("delete_account")).status_code == 302
    assert not User.objects.filter(username="ann").exists()
    assert not pool.has_user(cognito_user)


@pytest.mark.django_db(transaction=True)
def test_rolled_back_delete_keeps_the_cognito_user(pool: Any) -> None:
    """A delete inside a transaction that rolls back deletes nothing in Cognito."""
    ann = User.objects.create_user("ann", "ann@example.com", PASSWORD)
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.filter(pk=ann.pk).delete()
        assert pool.has_user(ann)  # not before the commit either
        raise RuntimeError("roll back")
    assert User.objects.filter(pk=ann.pk).exists()
    assert pool.has_user(ann) and pool.accepts(ann, PASSWORD)


@pytest.mark.django_db
def test_delete_waits_for_the_commit(pool: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The Cognito delete is an on-commit callback of the deleting transaction."""
    ann = User.objects.create_user("ann", "ann@example.com", PASSWORD)
    cognito_user = username_for(ann.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ann.delete()
    assert len(callbacks) == 1 and pool.has_user(cognito_user)
    callbacks[0]()
    assert not pool.has_user(cognito_user)


@pytest.mark.django_db(transaction=True)
def test_outage_during_delete_is_logged_not_raised(
    memory_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The row is gone either way; a Cognito failure after commit is a warning naming the
    Cognito username, and the user's delete still succeeds."""
    ann = User.objects.create_user("ann", "ann@example.com", PASSWORD)
    customer_id = username_for(ann.pk)
    memory_store.fail_next("delete", CredentialStoreUnavailable("delete", "down"))
    with caplog.at_level(logging.WARNING, logger="hashless.django"):
        ann.delete()
    assert f"could not delete Cognito user customer_id={customer_id}" in caplog.text
    assert not User.objects.filter(username="ann").exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_staff_calls_nothing(memory_store: Any) -> None:
    """A staff user with a local password has no Cognito user to delete."""
    boss = User.objects.create_user("boss", "boss@example.com", PASSWORD, is_staff=True)
    boss.delete()
    assert memory_store.count("delete") == 0
