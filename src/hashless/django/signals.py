"""Where a password set in Django reaches Cognito, and a deleted user leaves it.

``pre_save`` (existing users): when the row is about to store a hash that
``CognitoPasswordHasher`` just made (see ``hashless.django.pending``), and the user
is in scope:

* after ``set_password()`` (a change, a reset, ``changepassword``): the engine's
  ``set_password`` writes the password to Cognito under the user's row lock, then the
  row gets a fresh marker instead of the hash;
* after Django's hash upgrade in ``check_password()`` (``set_password`` then
  ``save(update_fields=["password"])`` with ``_password`` cleared): the engine's
  ``verify``, which migrates a legacy hash once even when many requests try at once,
  and never overwrites a password another request changed in between.

Cognito is written *before* the row: if Cognito fails, the exception aborts the
save and the old hash (or marker) stays. Inside an outer transaction the row lock is
held to its end; a rollback then restores the old row, while Cognito keeps the new
password (a rolled-back password change stays changed; a rolled-back migration is
redone at the next login, harmlessly).

``post_save`` (new users, which have no primary key, hence no Cognito username, before
the INSERT): the row is inserted with the local hash, then moved to Cognito exactly
like an existing user. The password is checked against the store's rules before the
INSERT, so a password Cognito would refuse never creates the row.

``post_delete``: the Cognito user is deleted once the transaction commits, never on
a rollback.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.db import router, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.views.decorators.debug import sensitive_variables

from hashless.django.conf import in_scope, username_for
from hashless.django.engine import get_engine, get_store
from hashless.django.hashers import local_hasher
from hashless.django.markers import is_marker, make_marker
from hashless.django.pending import pending
from hashless.django.records import current_password
from hashless.errors import HashlessError, InvalidCredentials
from hashless.passwords import validate_new_password

__all__ = ["connect"]

log = logging.getLogger("hashless.django")

_NEW_PASSWORD = "_hashless_new_password"
"""Attribute that carries a new user's password from pre_save to post_save."""


def connect() -> None:
    """Connect the hooks to ``AUTH_USER_MODEL`` and its proxies (from ``ready()``).

    Connected per model, not for every sender: a ``post_delete`` receiver for all
    senders would turn off Django's fast deletes for every model of the project.
    """
    user_model = get_user_model()
    for model in apps.get_models():
        if issubclass(model, user_model):
            uid = f"hashless:{model._meta.label}"
            pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
            post_save.connect(_after_save, sender=model, dispatch_uid=uid)
            post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)


def _is_hash_upgrade(user: Any, update_fields: frozenset[str] | None) -> bool:
    """Django's ``check_password`` setter: ``save(update_fields=["password"])`` after
    ``set_password`` with ``_password`` cleared, for a password it has just verified."""
    return getattr(user, "_password", None) is None and update_fields == frozenset({"password"})


@sensitive_variables()
def _before_save(
    sender: Any,
    instance: Any,
    raw: bool = False,
    using: str | None = None,
    update_fields: frozenset[str] | None = None,
    **_: Any,
) -> None:
    if raw or (update_fields is not None and "password" not in update_fields):
        return
    encoded = instance.password
    password = pending.take(encoded)
    if password is None:
        if encoded and not django_hashers.is_password_usable(encoded) and instance.pk is not None:
            _forget_cognito_password_later(instance, using)
        return
    if not in_scope(instance):
        _keep_local(instance, password, using, update_fields)
        return
    if instance._state.adding or instance.pk is None:
        # Refused before the INSERT, so no row exists that Cognito would not accept.
        validate_new_password(password)
        setattr(instance, _NEW_PASSWORD, password)
        return
    engine = get_engine()
    customer_id = username_for(instance.pk)
    if _is_hash_upgrade(instance, update_fields):
        try:
            engine.verify(customer_id, password)
        except InvalidCredentials:
            # The row changed since this password was verified (a concurrent change
            # or reset won): keep what is there.
            log.info("hash upgrade skipped, credential changed customer_id=%s", customer_id)
        # Store exactly what the engine left: the marker it wrote, or the row as it is.
        instance.password = current_password(instance.pk, using) or encoded
        return
    try:
        engine.set_password(customer_id, password)
    except InvalidCredentials:
        # The row is gone (deleted meanwhile): save() will INSERT it again.
        setattr(instance, _NEW_PASSWORD, password)
        return
    instance.password = make_marker(customer_id)


@sensitive_variables()
def _after_save(
    sender: Any, instance: Any, created: bool = False, using: str | None = None, **_: Any
) -> None:
    password = instance.__dict__.pop(_NEW_PASSWORD, None)
    if password is None:
        return
    customer_id = username_for(instance.pk)
    get_engine().set_password(customer_id, password)
    instance.password = current_password(instance.pk, using) or instance.password


@sensitive_variables()
def _keep_local(
    user: Any, password: str, using: str | None, update_fields: frozenset[str] | None
) -> None:
    """A user out of scope keeps the local hash, with two exceptions.

    A hash upgrade that is no upgrade (``CognitoPasswordHasher`` being the preferred
    hasher, Django's ``check_password`` re-hashes every local hash it verifies) keeps
    the stored hash, so the user's sessions survive. A password that replaces a
    Cognito one (a customer who became staff) deletes the Cognito user after commit.
    """
    if user.pk is None or user._state.adding:
        return
    stored = current_password(user.pk, using)
    if is_marker(stored):
        _forget_cognito_password_later(user, using, stored=stored)
        return
    if stored and _is_hash_upgrade(user, update_fields):
        local = local_hasher()
        try:
            same_hasher = django_hashers.identify_hasher(stored).algorithm == local.algorithm
        except ValueError:
            return
        if same_hasher and not local.must_update(stored) and local.verify(password, stored):
            user.password = stored


def _forget_cognito_password_later(user: Any, using: str | None, stored: str | None = None) -> None:
    """The row no longer points at Cognito: delete the Cognito user after commit."""
    if stored is None:
        stored = current_password(user.pk, using)
    if is_marker(stored):
        _delete_after_commit(username_for(user.pk), using)


def _after_delete(sender: Any, instance: Any, using: str | None = None, **_: Any) -> None:
    if is_marker(instance.password) or in_scope(instance):
        # A legacy user may have a Cognito user half-made by an interrupted migration.
        _delete_after_commit(username_for(instance.pk), using)


def _delete_after_commit(customer_id: str, using: str | None) -> None:
    db = using or router.db_for_write(get_user_model())
    transaction.on_commit(partial(_delete_quietly, customer_id), using=db)


def _delete_quietly(customer_id: str) -> None:
    try:
        get_store().delete(customer_id)
    except HashlessError as exc:
        # The row is gone and nothing points at this Cognito user any more; a new user
        # given the same username later gets its password overwritten before use.
        log.warning(
            "could not delete Cognito user customer_id=%s error=%s",
            customer_id,
            type(exc).__name__,
        )
    else:
        log.info("deleted Cognito user customer_id=%s", customer_id)
