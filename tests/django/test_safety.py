"""The service's safety rules, held through Django: outages, refusals, races, timing, secrets.

Most tests use the in-memory store, which counts calls and injects failures that moto
cannot produce.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.django.conf import username_for
from hashless.django.engine import override_store
from hashless.django.markers import is_marker, make_marker
from hashless.django.models import WriteFence
from hashless.django.timing import login_timing
from hashless.errors import (
    CredentialStoreRefused,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
)
from tests.django.support import legacy_hash, legacy_user, stored_password
from tests.support import ProcessDied

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("failing_step", ["create", "set_password"])
@pytest.mark.parametrize(
    "error",
    [
        CredentialStoreUnavailable("x", "down", 7, maybe_applied=False),
        CredentialStoreThrottled("x", "busy", 1, maybe_applied=False),
    ],
)
def test_outage_during_migration_is_a_503_and_changes_no_row(
    client: Client, memory_store: InMemoryCredentialStore, failing_step: str, error: Any
) -> None:
    """Cognito failing at any step of the move: a 503 page with Retry-After, never the
    "wrong password" form, and the legacy hash stays; the next login moves it.

    The failures here never reached Cognito; one that may have fences the user
    (``test_a_password_write_in_doubt_fences_the_user``)."""
    ann = legacy_user("ann", PASSWORD)
    before = stored_password(ann)
    memory_store.fail_next(failing_step, error)

    response = _login(client, "ann", PASSWORD)

    assert response.status_code == 503
    assert response["Retry-After"] == str(error.retry_after)
    assert b"unavailable" in response.content
    assert stored_password(ann) == before
    login_timing.reset()  # the outage is over
    assert _login(Client(), "ann", PASSWORD).status_code == 302
    assert is_marker(stored_password(ann))
    assert memory_store.password_of(username_for(ann.pk)) == PASSWORD


def test_a_refusal_is_a_409_page_and_changes_no_row(
    client: Client, memory_store: InMemoryCredentialStore
) -> None:
    """Cognito refusing a move for good (a 4xx that repeating cannot change): the
    middleware's 409 page saying so, not Django's 500, and the legacy hash stays."""
    ann = legacy_user("ann", PASSWORD)
    before = stored_password(ann)
    memory_store.fail_next("create", CredentialStoreRefused("create", "AliasExistsException"))

    response = _login(client, "ann", PASSWORD)

    assert response.status_code == 409
    assert b"Repeating it will not help" in response.content
    assert b"AliasExists" not in response.content
    assert stored_password(ann) == before


def test_a_password_write_in_doubt_fences_the_user(
    client: Client, memory_store: InMemoryCredentialStore
) -> None:
    """A move whose password write may still land in Cognito: 503, a fence in
    ``hashless_write_fence``, and the next login gets in by the Django hash without
    writing anything, so the late write can never land after a newer one."""
    ann = legacy_user("ann", PASSWORD)
    before = stored_password(ann)
    memory_store.fail_next("set_password", CredentialStoreUnavailable("x", "read timeout"))
    assert _login(client, "ann", PASSWORD).status_code == 503
    assert WriteFence.objects.filter(username=username_for(ann.pk)).exists()
    login_timing.reset()
    writes = memory_store.count("set_password")
    assert _login(Client(), "ann", PASSWORD).status_code == 302
    assert memory_store.count("set_password") == writes
    assert stored_password(ann) == before


@pytest.mark.django_db(transaction=True)
def test_a_password_write_whose_sender_dies_still_fences_the_user(
    memory_store: InMemoryCredentialStore,
) -> None:
    """The process dies while Cognito has the password write (nothing of hashless'
    failure path runs, the row lock's transaction is lost): the claim committed to
    ``hashless_write_fence`` before the write was sent stays, so the next login gets
    in by the Django hash without sending anything. Autocommit only: inside an outer
    transaction the claim commits with it (docs/reliability.md)."""
    ann = legacy_user("ann", PASSWORD)
    before = stored_password(ann)
    memory_store.fail_next("set_password", ProcessDied())
    with pytest.raises(ProcessDied):
        _login(Client(), "ann", PASSWORD)
    assert WriteFence.objects.filter(username=username_for(ann.pk)).exists()
    assert stored_password(ann) == before
    login_timing.reset()
    writes = memory_store.count("set_password")
    assert _login(Client(), "ann", PASSWORD).status_code == 302
    assert memory_store.count("set_password") == writes
    assert stored_password(ann) == before


def test_outage_checking_a_migrated_user_is_not_a_wrong_password(
    client: Client, memory_store: InMemoryCredentialStore
) -> None:
    """A migrated user's login during an outage gets the error page, not a form error."""
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    memory_store.fail_next("check", CredentialStoreUnavailable("check", "timeout"))
    assert _login(client, "ann", PASSWORD).status_code == 503


def test_without_the_middleware_an_outage_is_still_an_error(
    client: Client, memory_store: InMemoryCredentialStore, settings: Any
) -> None:
    """The middleware is optional: without it the outage propagates (Django's 500)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("hashless")]
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    memory_store.fail_next("check", CredentialStoreUnavailable("check", "timeout"))
    with pytest.raises(CredentialStoreUnavailable):
        _login(client, "ann", PASSWORD)


def test_during_an_outage_unknown_users_get_the_error_page_too(
    memory_store: InMemoryCredentialStore,
) -> None:
    """Right after an outage, failed logins of unknown users raise the outage as well:
    otherwise "error page" versus "wrong password" would tell who has an account."""
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    memory_store.fail_next("check", CredentialStoreUnavailable("check", "timeout"))
    with pytest.raises(CredentialStoreUnavailable):
        authenticate(username="ann", password=PASSWORD)
    with pytest.raises(CredentialStoreUnavailable):
        authenticate(username="nobody", password=PASSWORD)
    login_timing.reset()
    assert authenticate(username="nobody", password=PASSWORD) is None


def test_outage_during_password_change_changes_nothing(
    memory_store: InMemoryCredentialStore,
) -> None:
    """PasswordChangeView with Cognito failing at the write: 503, marker and Cognito
    password as before."""
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    client = Client()
    assert _login(client, "ann", PASSWORD).status_code == 302
    ann = User.objects.get(username="ann")
    marker = stored_password(ann)
    memory_store.fail_next("set_password", CredentialStoreUnavailable("set_password", "down"))

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 503
    assert stored_password(ann) == marker
    assert memory_store.password_of(username_for(ann.pk)) == PASSWORD


def test_password_the_pool_refuses_still_logs_in_and_keeps_the_hash(
    client: Client, memory_store: InMemoryCredentialStore
) -> None:
    """A legacy password Cognito's policy refuses: the login succeeds, the hash stays, and
    no half-made Cognito user is left behind."""
    ann = legacy_user("ann", "weak but valid")
    before = stored_password(ann)
    assert _login(client, "ann", "weak but valid").status_code == 302
    assert stored_password(ann) == before
    assert not memory_store.has_user(username_for(ann.pk))


def test_hash_is_dropped_only_after_cognito_accepted(
    memory_store: InMemoryCredentialStore,
) -> None:
    """Cognito created the user but failed to take the password: the row keeps its legacy
    hash (the half-made Cognito user is never consulted); the retry completes the move."""
    ann = legacy_user("ann", PASSWORD)
    memory_store.fail_next(
        "set_password", CredentialStoreUnavailable("set_password", "down", maybe_applied=False)
    )
    with pytest.raises(CredentialStoreUnavailable):
        authenticate(username="ann", password=PASSWORD)
    assert memory_store.has_user(username_for(ann.pk))
    assert not is_marker(stored_password(ann))
    login_timing.reset()
    assert authenticate(username="ann", password=PASSWORD) == ann
    assert is_marker(stored_password(ann))


class SlowCreateStore(InMemoryCredentialStore):
    """Cognito takes 50 ms to create a user: a wide window for a second migration."""

    def create(self, username: str, email: str) -> bool:
        time.sleep(0.05)
        return super().create(username, email)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_logins_migrate_once() -> None:
    """Eight simultaneous first logins of one legacy user: all succeed, one Cognito user is
    created and its password set once (the row lock serialises the move; the others
    find the marker and are checked by Cognito)."""
    with override_store(SlowCreateStore()) as store:
        _log_in_concurrently(store)


def _log_in_concurrently(memory_store: InMemoryCredentialStore) -> None:
    ann = legacy_user("ann", PASSWORD, iterations=20_000)
    barrier = threading.Barrier(8)
    results: list[Any] = []
    errors: list[BaseException] = []

    def log_in() -> None:
        try:
            barrier.wait()
            results.append(authenticate(username="ann", password=PASSWORD))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log_in) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [user.pk for user in results] == [ann.pk] * 8
    assert memory_store.count("create") == 1
    assert memory_store.count("set_password") == 1
    assert is_marker(stored_password(ann))


def test_djangos_dummy_hashing_never_calls_cognito(
    memory_store: InMemoryCredentialStore,
) -> None:
    """ModelBackend hashes a throw-away password for unknown users (``User().set_password``);
    that, Django's fake-runtime hashing and hashless' own unknown-user path call nothing."""
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    memory_store.calls.clear()
    assert ModelBackend().authenticate(None, username="nobody", password=PASSWORD) is None
    User().set_password(PASSWORD)
    unusable = User(username="x", password="!unusable")
    assert not unusable.check_password(PASSWORD)
    assert authenticate(username="nobody", password=PASSWORD) is None
    assert memory_store.calls == []
    assert User.objects.count() == 1


class SlowStore(InMemoryCredentialStore):
    """Cognito answers after ``delay`` seconds."""

    delay = 0.0

    def check(self, username: str, password: str) -> None:
        time.sleep(self.delay)
        super().check(username, password)


def _timed(username: str, password: str) -> float:
    started = time.monotonic()
    assert authenticate(username=username, password=password) is None
    return time.monotonic() - started


def test_failed_logins_take_alike_time(settings: Any, hashless_settings: dict[str, Any]) -> None:
    """Unknown user, wrong password of a migrated user (a slow Cognito round trip) and of a
    legacy user all take the floor: the configured minimum, raised to the slowest recent
    real verification."""
    settings.HASHLESS = {**hashless_settings, "LOGIN_FLOOR_SECONDS": 0.05}
    with override_store(SlowStore()) as store:
        User.objects.create_user("ann", "ann@example.com", PASSWORD)
        legacy_user("bob", PASSWORD)
        assert 0.05 <= _timed("nobody", PASSWORD) < 0.2
        store.delay = 0.2
        migrated = _timed("ann", "wrong password")
        unknown = _timed("nobody", PASSWORD)
        legacy = _timed("bob", "wrong password")
    assert min(migrated, unknown, legacy) >= 0.2
    assert max(migrated, unknown, legacy) - min(migrated, unknown, legacy) < 0.1


def test_marker_copied_from_another_user_opens_nothing(
    memory_store: InMemoryCredentialStore,
) -> None:
    """A marker names its Cognito user; one pasted into another row (a fixture, a hand
    edit) does not let that row log in with the other user's password."""
    User.objects.create_user("ann", "ann@example.com", PASSWORD)
    bob = User.objects.create(username="bob")
    ann = User.objects.get(username="ann")
    User.objects.filter(pk=bob.pk).update(password=stored_password(ann))
    assert authenticate(username="bob", password=PASSWORD) is None
    User.objects.filter(pk=bob.pk).update(password=make_marker(username_for(ann.pk)))
    assert authenticate(username="bob", password=PASSWORD) is None


def test_planted_legacy_hash_costs_no_unbounded_work(
    memory_store: InMemoryCredentialStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A pbkdf2 hash asking for a billion iterations is refused at once, with a warning."""
    planted = legacy_hash(PASSWORD).replace("$1000$", "$1000000000$")
    bob = User.objects.create(username="bob", password=planted)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert authenticate(username="bob", password=PASSWORD) is None
    assert time.monotonic() - started < 1
    assert f"customer_id={username_for(bob.pk)}" in caplog.text
    assert memory_store.calls == []


def test_no_secret_reaches_logs_or_error_reports(
    pool: Any, caplog: pytest.LogCaptureFixture, hashless_settings: dict[str, Any]
) -> None:
    """With every logger at DEBUG (botocore included), a migration, a password change, a
    wrong password and an outage log no password and no client secret; Django's error
    report for the outage (as mailed to ADMINS) shows no password either."""
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("botocore").setLevel(logging.DEBUG)
        try:
            ann = legacy_user("ann", PASSWORD)
            client = Client()
            assert _login(client, "ann", PASSWORD).status_code == 302
            assert _login(Client(), "ann", "wrong password").status_code == 200
            client.post(
                reverse("password_change"),
                {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
            )
            assert pool.accepts(ann, NEW)
        finally:
            logging.getLogger("botocore").setLevel(logging.NOTSET)
    assert "botocore" in caplog.text  # the DEBUG records were captured at all
    for secret in [PASSWORD, NEW, "wrong password", hashless_settings["COGNITO_CLIENT_SECRET"]]:
        assert secret not in caplog.text

    failing = InMemoryCredentialStore()
    failing.fail_next("check", CredentialStoreUnavailable("check", "down"))
    with override_store(failing), pytest.raises(CredentialStoreUnavailable) as outage:
        authenticate(username="ann", password=NEW)
    report = ExceptionReporter(None, outage.type, outage.value, outage.tb, is_email=True)
    text = report.get_traceback_text() + report.get_traceback_html()
    assert "CredentialStoreUnavailable" in text
    assert NEW not in text
