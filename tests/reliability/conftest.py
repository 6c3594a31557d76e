"""Fixtures for the reliability tests: a moto_server process and a Cognito pool per test."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import boto3.session
import pytest
from botocore.config import Config
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool, provision_pool
from tests.reliability.servers import KEYS, REGION, CountingProxy, moto_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto_server in a process of its own, so forked or killed children share it."""
    with moto_server() as url:
        yield url


def cognito_client(endpoint_url: str, **overrides: object) -> CognitoIdentityProviderClient:
    settings: dict[str, object] = {"max_attempts": 1, **KEYS, **overrides}
    return make_cognito_client(region=REGION, endpoint_url=endpoint_url, **settings)  # type: ignore[arg-type]


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=KEYS["access_key_id"],
        aws_secret_access_key=KEYS["secret_access_key"],
        region_name=REGION,
    )


def quick_cognito_client(endpoint_url: str) -> CognitoIdentityProviderClient:
    """A new client with its own connections, from a session whose models are loaded.

    About 30 ms instead of 100-250 ms: what a forked child uses, so that it never
    shares a keep-alive connection with its parent.
    """
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return _session().client("cognito-idp", endpoint_url=endpoint_url, config=config)


@pytest.fixture(scope="session")
def moto_cognito(moto_url: str) -> CognitoIdentityProviderClient:
    quick_cognito_client(moto_url)  # loads the session's models before any fork
    return cognito_client(moto_url)


@pytest.fixture(scope="session")
def pool(moto_cognito: CognitoIdentityProviderClient) -> ProvisionedPool:
    """One pool made as ``hashless provision`` makes one (moto takes ~0.2 s a pool).

    Tests share it: each keeps to users of its own, told apart by their emails.
    """
    return provision_pool(moto_cognito, pool_name="reliability")


@pytest.fixture(scope="module")
def proxy(moto_url: str) -> Iterator[CountingProxy]:
    """A counting (and, on request, misbehaving) proxy in front of moto, per module."""
    with CountingProxy(moto_url) as counting:
        yield counting


@pytest.fixture(scope="module")
def cognito(moto_url: str, pool: ProvisionedPool) -> CognitoCredentialStore:
    """Cognito itself, for setting customers up without going through the proxy."""
    return CognitoCredentialStore(
        cognito_client(moto_url), user_pool_id=pool.user_pool_id, client_id=pool.client_id
    )


@pytest.fixture(scope="module")
def workers_database(postgres_database: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL, for the served workers."""
    url = make_url(postgres_database)
    name = f"hashless_workers_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def logging_restored() -> Iterator[None]:
    """Undo the logging set-up a worker's app factory does for its own process."""
    root, botocore = logging.getLogger(), logging.getLogger("botocore")
    handlers, level, botocore_level = root.handlers[:], root.level, botocore.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        botocore.setLevel(botocore_level)
