"""The migration engine's view of Django's user table (``AUTH_USER_MODEL``).

No column is added: where a user's password lives is read from ``User.password``
itself. A marker (``hashless_cognito$...``) means Cognito; any other usable Django
hash is a legacy password, verified by Django's own hashers; an unusable password
(``!...``, from ``set_unusable_password``) or an empty one means none. hashless'
one table, ``hashless_write_fence`` (``manage.py migrate``), holds the fence of a
Cognito password write in flight or of unknown outcome, read and written under the
user's lock.

Locking: PostgreSQL (and any backend with row locks) takes ``SELECT ... FOR UPDATE``
inside ``transaction.atomic()``. SQLite has no row locks and Django drops ``FOR
UPDATE`` there, so the transaction's first statement is a write to the user's row
(``password = password``), which takes SQLite's database write lock at once and
holds it to the end of the transaction: every other locker waits on it
(``timeout`` in the database ``OPTIONS``, 5 s by default), and no transaction can be
left holding a read lock it would need to upgrade.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, router, transaction
from django.db.models import F, Model, QuerySet

from hashless.django.conf import pk_from_username, username_for
from hashless.django.hashers import local_algorithm
from hashless.django.markers import is_marker, make_marker, marker_username
from hashless.django.models import WriteFence
from hashless.errors import AccountExists, MalformedHash
from hashless.legacy.ceilings import DEFAULT_CEILINGS, MIB, Ceilings
from hashless.migration.records import CredentialRecord, CredentialState

__all__ = [
    "DjangoCredentialRecords",
    "DjangoHasherVerifier",
    "credential_state",
    "current_password",
    "to_record",
]

log = logging.getLogger("hashless.django")

LEGACY_FORMAT = "django"


def _user_model() -> type[AbstractBaseUser]:
    return get_user_model()


def _email_of(user: Any) -> str:
    """The email given to Cognito when its user is created, or "" for none.

    Informational only (hashless signs in by username, never by email) and not kept in
    step with later changes. Django neither requires nor validates emails, while Cognito
    refuses a malformed one, so only a well-formed address is passed on.
    """
    value = getattr(user, user.get_email_field_name(), None)
    if not isinstance(value, str) or not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def credential_state(user: Any) -> CredentialState:
    """Where this user's password can be checked, judged from ``User.password``."""
    encoded = user.password
    if is_marker(encoded):
        if marker_username(encoded) == username_for(user.pk):
            return CredentialState.COGNITO
        # Copied from another row, or written by hand: it does not name this user.
        log.warning("cognito marker names another user customer_id=%s", username_for(user.pk))
        return CredentialState.NONE
    if encoded and django_hashers.is_password_usable(encoded):
        return CredentialState.LEGACY
    return CredentialState.NONE


def to_record(user: Any) -> CredentialRecord:
    state = credential_state(user)
    legacy = state is CredentialState.LEGACY
    return CredentialRecord(
        customer_id=username_for(user.pk),
        email=_email_of(user),
        state=state,
        legacy_format=LEGACY_FORMAT if legacy else None,
        legacy_hash=user.password if legacy else None,
    )


def _users(using: str) -> QuerySet[Any]:
    # The base manager: a custom default manager may hide rows (inactive users...).
    return _user_model()._base_manager.db_manager(using).all()


def _pk(customer_id: str) -> Any:
    text = pk_from_username(customer_id)
    if text is None:
        return None
    try:
        return _user_model()._meta.pk.to_python(text)
    except ValidationError:
        return None


def current_password(pk: Any, using: str | None = None) -> str | None:
    """``User.password`` as committed (or as this transaction sees it) now."""
    db = using or router.db_for_write(_user_model())
    value = _users(db).filter(pk=pk).values_list("password", flat=True).first()
    return value if isinstance(value, str) else None


class _LockedUser:
    def __init__(self, user: Model, using: str) -> None:
        self._user = user
        self._using = using
        self._fences = WriteFence.objects.using(using).filter(username=username_for(user.pk))
        until = self._fences.values_list("until", flat=True).first()
        self._fence = datetime.fromtimestamp(until, UTC) if until is not None else None

    @property
    def record(self) -> CredentialRecord:
        return replace(to_record(self._user), write_fence=self._fence)

    def _write(self, **values: Any) -> None:
        _users(self._using).filter(pk=self._user.pk).update(**values)
        for name, value in values.items():
            setattr(self._user, name, value)

    def mark_in_store(self) -> None:
        self._write(password=make_marker(username_for(self._user.pk)))
        if self._fence is not None:
            self._fences.delete()
            self._fence = None

    def mark_blocked(self) -> None:
        # No column records it (no schema change): the legacy hash stays, and the next
        # login tries again. The engine has logged the reason.
        pass

    def fence_writes(self, until: datetime | None) -> None:
        if until is None:
            self._fences.delete()
        else:
            WriteFence.objects.using(self._using).update_or_create(
                username=username_for(self._user.pk), defaults={"until": until.timestamp()}
            )
        self._fence = until

    def set_email(self, email: str) -> None:
        try:
            with transaction.atomic(using=self._using):
                self._write(**{self._user.get_email_field_name(): email})  # type: ignore[attr-defined]
        except IntegrityError:
            raise AccountExists() from None

    def mark_deleted(self) -> None:
        # A hard delete, as Django's own; post_delete then removes the Cognito user.
        self._user.delete(using=self._using)


class DjangoCredentialRecords:
    """``CredentialRecords`` over ``AUTH_USER_MODEL``, for every user in scope or not.

    Which users move is decided by the callers (the backend and the save hooks), from
    ``HASHLESS["SCOPE"]``; the records only report what ``User.password`` says.
    """

    def get(self, customer_id: str) -> CredentialRecord | None:
        pk = _pk(customer_id)
        if pk is None:
            return None
        user = _users(router.db_for_read(_user_model())).filter(pk=pk).first()
        return to_record(user) if user is not None else None

    def find_by_email(self, email: str) -> CredentialRecord | None:
        model = _user_model()
        field = model.get_email_field_name()
        users = _users(router.db_for_read(model)).filter(**{f"{field}__iexact": email})[:2]
        found = list(users)
        # Django does not make emails unique; an ambiguous email opens no account.
        return to_record(found[0]) if len(found) == 1 else None

    @contextmanager
    def locked(self, customer_id: str) -> Iterator[_LockedUser | None]:
        pk = _pk(customer_id)
        using = router.db_for_write(_user_model())
        with transaction.atomic(using=using):
            users = _users(using).filter(pk=pk)
            if pk is None:
                yield None
                return
            if transaction.get_connection(using).features.has_select_for_update:
                user = users.select_for_update().first()
            else:
                users.update(password=F("password"))
                user = users.first()
            yield _LockedUser(user, using) if user is not None else None


class DjangoHasherVerifier:
    """Legacy verification by Django itself: the hashers in ``PASSWORD_HASHERS``.

    Django is the reference for its own formats, and this also covers whatever a
    project added there (bcrypt, Argon2, a hasher for users imported from another
    platform). Work factors are bounded with hashless' ceilings first, so a planted
    value cannot make one login cost minutes.
    """

    name = LEGACY_FORMAT

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        if is_marker(encoded) or not django_hashers.is_password_usable(encoded):
            return False
        try:
            django_hashers.identify_hasher(encoded)
        except ValueError:
            return False
        return True

    def verify(self, password: str, encoded: str) -> bool:
        if not self.identify(encoded):
            return False
        hasher = django_hashers.identify_hasher(encoded)
        self._check_bounds(hasher, encoded)
        is_correct, _ = django_hashers.verify_password(
            password, encoded, preferred=local_algorithm()
        )
        return bool(is_correct)

    def _check_bounds(self, hasher: Any, encoded: str) -> None:
        algorithm = hasher.algorithm
        try:
            decoded = hasher.decode(encoded)
        except NotImplementedError:
            return  # a project's own hasher: nothing to bound it by
        except Exception:
            raise MalformedHash(f"django-{algorithm}", "cannot be decoded") from None
        c = self._ceilings
        if "iterations" in decoded:
            self._bound(algorithm, decoded["iterations"], c.pbkdf2_max_iterations, "iterations")
        if algorithm.startswith("bcrypt"):
            self._bound(algorithm, decoded.get("work_factor"), c.bcrypt_max_cost, "cost")
        if algorithm == "argon2":
            self._bound(algorithm, decoded.get("time_cost"), c.argon2_max_time_cost, "time cost")
            self._bound(
                algorithm, decoded.get("parallelism"), c.argon2_max_parallelism, "parallelism"
            )
            self._bound(
                algorithm, decoded.get("memory_cost"), c.max_memory_bytes // 1024, "memory (KiB)"
            )
        if algorithm == "scrypt":
            n, r, p = (
                decoded.get("work_factor"),
                decoded.get("block_size"),
                decoded.get("parallelism"),
            )
            self._bound(algorithm, n, 2**c.scrypt_max_log_n, "N")
            self._bound(algorithm, r, c.scrypt_max_r, "r")
            self._bound(algorithm, p, c.scrypt_max_p, "p")
            if 128 * r * (n + 2) + 128 * r * p > c.max_memory_bytes:
                raise MalformedHash(
                    f"django-{algorithm}", f"needs more than {c.max_memory_bytes // MIB} MiB"
                )

    @staticmethod
    def _bound(algorithm: str, value: object, ceiling: int, what: str) -> None:
        if not isinstance(value, int) or not 0 < value <= ceiling:
            raise MalformedHash(f"django-{algorithm}", f"{what} out of bounds")
