"""Django for this folder only: settings from the sample shop, moto, the in-memory store.

Django is configured in this conftest's ``pytest_configure``, which pytest runs when
it reaches this folder, so the rest of the suite never needs Django. pytest-django's
fixtures (``client``, ``settings``, ``django_db``) then work as usual.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.django.settings import EXAMPLE

REGION = "eu-west-1"
IN_CI = os.environ.get("CI", "").lower() == "true"
CUSTOM_USER_RUN = bool(os.environ.get("HASHLESS_DJANGO_TEST_USER_MODEL"))
POSTGRES_RUN = os.environ.get("HASHLESS_DJANGO_TEST_DB") == "postgres"
ALLAUTH_RUN = os.environ.get("HASHLESS_DJANGO_TEST_PROJECT") == "allauth"
CUSTOM_USER_MODELS = (
    "custom_users.ShopUser",  # AbstractUser
    "custom_users.EmailCustomer",  # AbstractBaseUser, email login, UUID primary key
)

# Run only in their own processes (another AUTH_USER_MODEL, allauth installed), by
# test_custom_user_models.py and test_allauth_shop.py.
collect_ignore = [
    *([] if CUSTOM_USER_RUN else ["custom"]),
    *([] if ALLAUTH_RUN else ["allauth_shop"]),
]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    import django

    if settings.configured:
        return
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    from tests.django.settings import build

    settings.configure(**build())
    django.setup()


def _postgres_problem() -> str | None:
    from sqlalchemy import create_engine, text

    from tests.django.settings import POSTGRES_URL

    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return type(exc).__name__
    return None


@pytest.fixture(scope="session")
def subprocess_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The other configurations' runs that this session selected, started side by side.

    ``postgres`` maps to the reason it cannot run when PostgreSQL does not answer.
    """
    from tests.django.subprocess_runs import Run

    selected = {item.name for item in request.session.items}
    runs: dict[str, Any] = {
        model: Run(["tests/django/custom"], {"HASHLESS_DJANGO_TEST_USER_MODEL": model})
        for model in CUSTOM_USER_MODELS
        if f"test_flows_with_a_custom_user_model[{model}]" in selected
    }
    if "test_allauth_shop" in selected:
        runs["allauth"] = Run(
            ["tests/django/allauth_shop"], {"HASHLESS_DJANGO_TEST_PROJECT": "allauth"}
        )
    if "test_django_suite_on_postgresql" in selected:
        problem = _postgres_problem()
        runs["postgres"] = (
            problem
            if problem is not None
            else Run(["tests/django"], {"HASHLESS_DJANGO_TEST_DB": "postgres"})
        )
    try:
        yield runs
    finally:
        for run in runs.values():
            if isinstance(run, Run):
                run.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cognito(moto_endpoint: str) -> dict[str, Any]:
    """One pool for the session, made as ``hashless provision`` makes one, with a secret."""
    from hashless.credentials.client import make_cognito_client
    from hashless.credentials.provision import provision_pool

    client = make_cognito_client(
        region=REGION,
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
        # moto answers slowly while the other runs of this suite share the machine.
        read_timeout=60.0,
    )
    pool = provision_pool(client, pool_name="django-tests", generate_secret=True)
    assert pool.client_secret
    return {
        "client": client,
        "settings": {
            "COGNITO_REGION": REGION,
            "COGNITO_USER_POOL_ID": pool.user_pool_id,
            "COGNITO_CLIENT_ID": pool.client_id,
            "COGNITO_CLIENT_SECRET": pool.client_secret,
            "COGNITO_ENDPOINT_URL": moto_endpoint,
            "COGNITO_ACCESS_KEY_ID": "testing",
            "COGNITO_SECRET_ACCESS_KEY": "testing",
        },
    }


_test_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def hashless_settings(settings: Any, cognito: dict[str, Any]) -> dict[str, Any]:
    """HASHLESS for one test: the session's pool, and a username prefix of its own.

    Primary keys repeat between tests (each rolls back), so each test gets its own
    Cognito usernames. Failed logins are not padded unless a test asks.
    """
    from hashless.django.pending import pending
    from hashless.django.timing import failed_login_timing, login_timing

    login_timing.reset()
    failed_login_timing.reset()
    pending.clear()
    config = {
        **cognito["settings"],
        "USERNAME_PREFIX": f"t{next(_test_numbers)}-",
        "LOGIN_FLOOR_SECONDS": 0.0,
    }
    settings.HASHLESS = config
    return config


@pytest.fixture
def pool(cognito: dict[str, Any], hashless_settings: dict[str, Any]) -> Any:
    from hashless.credentials.cognito import CognitoCredentialStore
    from tests.django.support import Pool

    store = CognitoCredentialStore(
        cognito["client"],
        user_pool_id=hashless_settings["COGNITO_USER_POOL_ID"],
        client_id=hashless_settings["COGNITO_CLIENT_ID"],
        client_secret=hashless_settings["COGNITO_CLIENT_SECRET"],
    )
    return Pool(cognito["client"], store, hashless_settings["COGNITO_USER_POOL_ID"])


@pytest.fixture
def memory_store() -> Iterator[Any]:
    """The in-memory store instead of moto, for counting calls and injecting faults."""
    from hashless.credentials.memory import InMemoryCredentialStore
    from hashless.django.engine import override_store

    def policy(password: str) -> str | None:
        return "Password must have symbol characters" if password.startswith("weak") else None

    with override_store(InMemoryCredentialStore(policy=policy)) as store:
        yield store
