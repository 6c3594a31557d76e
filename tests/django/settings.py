"""Django settings for the tests: the sample shop's, with a test database and fast hashes.

``HASHLESS_DJANGO_TEST_DB=postgres`` selects PostgreSQL (the run that
``test_postgresql.py`` starts); ``HASHLESS_DJANGO_TEST_USER_MODEL`` a custom user model
from ``examples/django_shop/custom_users`` (the runs ``test_custom_user_models.py``
starts); ``HASHLESS_DJANGO_TEST_PROJECT=allauth`` the shop with django-allauth
(tests/django/allauth_shop).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_shop"
POSTGRES_URL = os.environ.get(
    "HASHLESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

FAST_HASHERS = [
    "hashless.django.hashers.CognitoPasswordHasher",
    # The local hasher, fast for tests; pbkdf2_sha256 hashes of any iteration count verify.
    "tests.django.support.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]


def postgres_database(name: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
        "HOST": url.host or "127.0.0.1",
        "PORT": str(url.port or 5432),
        # pytest-django creates this database for the session and drops it at the end.
        "TEST": {"NAME": f"test_{name}"},
    }


def _database() -> dict[str, Any]:
    if os.environ.get("HASHLESS_DJANGO_TEST_DB") == "postgres":
        return postgres_database(f"hashless_dj_{uuid.uuid4().hex[:12]}")
    # A file, not Django's shared in-memory database: the concurrency tests need real
    # SQLite locking between threads.
    directory = Path(tempfile.mkdtemp(prefix="hashless-django-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(directory / "shop.sqlite3"),
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": str(directory / "test_shop.sqlite3")},
    }


def build() -> dict[str, Any]:
    from django_shop import settings as shop

    values = {name: getattr(shop, name) for name in dir(shop) if name.isupper()}
    values.update(
        DATABASES={"default": _database()},
        PASSWORD_HASHERS=FAST_HASHERS,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOGGING_CONFIG=None,
        DEBUG=False,
    )
    if os.environ.get("HASHLESS_DJANGO_TEST_PROJECT") == "allauth":
        from tests.django.allauth_shop.settings import allauth_settings

        values.update(allauth_settings(values))
    user_model = os.environ.get("HASHLESS_DJANGO_TEST_USER_MODEL")
    if user_model:
        values["AUTH_USER_MODEL"] = user_model
        values["INSTALLED_APPS"] = [*values["INSTALLED_APPS"], "custom_users"]
    return values
