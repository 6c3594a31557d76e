"""Fixtures for the Cognito credential store: a moto server and stubbed clients."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.client import make_cognito_client

REGION = "eu-west-1"


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def moto_client(moto_endpoint: str) -> CognitoIdentityProviderClient:
    return make_cognito_client(
        region=REGION,
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


@pytest.fixture(scope="session")
def _stub_target() -> CognitoIdentityProviderClient:
    # Building a client costs ~0.2 s; one shared client keeps the suite fast, and each
    # test attaches its own Stubber to it.
    return make_cognito_client(
        region=REGION,
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


@pytest.fixture
def stubbed(
    _stub_target: CognitoIdentityProviderClient,
) -> Iterator[tuple[CognitoIdentityProviderClient, Stubber]]:
    """A client whose every call is answered by a Stubber.

    The endpoint is a closed local port, so a call the test did not stub can never
    reach AWS; the Stubber answers before any connection is attempted.
    """
    with Stubber(_stub_target) as stubber:
        yield _stub_target, stubber
        stubber.assert_no_pending_responses()
