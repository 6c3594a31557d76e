"""The shared boto3 client: its configuration, and how network failures surface."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    NoCredentialsError,
    ReadTimeoutError,
    SSLError,
)
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
from urllib3.exceptions import ProtocolError

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.errors import (
    ConfigurationError,
    CredentialStoreMisconfigured,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    HashlessError,
)

REGION = "eu-west-1"
POOL_ID = "eu-west-1_AbC123xyz"
CLIENT_ID = "4p2fmh3bd1sm9ktn5hfp8pg3lq"
USERNAME = "customer-0001"
PASSWORD = "Tr0ub4dor&3-horse-battery"
"""The password every test sends; no exception message may ever contain it."""


def client_for(endpoint_url: str, **overrides: Any) -> CognitoIdentityProviderClient:
    settings: dict[str, Any] = {
        "region": REGION,
        "endpoint_url": endpoint_url,
        "access_key_id": "testing",
        "secret_access_key": "testing",
        "max_attempts": 1,
    }
    settings.update(overrides)
    return make_cognito_client(**settings)


def store_for(client: CognitoIdentityProviderClient) -> CognitoCredentialStore:
    return CognitoCredentialStore(client, user_pool_id=POOL_ID, client_id=CLIENT_ID)


def assert_clean(exc: BaseException) -> None:
    assert isinstance(exc, HashlessError)
    assert PASSWORD not in str(exc)
    assert exc.__cause__ is None
    assert exc.__context__ is None


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that completes the TCP handshake and then never answers.

    The kernel accepts connections into the listen backlog without ``accept()``, so
    the request is sent and the read waits forever.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


# --- configuration -----------------------------------------------------------------


def test_client_config_is_as_given() -> None:
    """Standard retry mode, pool size, timeouts and attempts are the caller's values."""
    client = client_for(
        "http://127.0.0.1:1",
        max_pool_connections=32,
        connect_timeout=1.5,
        read_timeout=4.0,
        max_attempts=4,
    )
    config: Any = client.meta.config  # the stubs do not declare the fields
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert config.max_pool_connections == 32
    assert config.connect_timeout == 1.5
    assert config.read_timeout == 4.0
    assert client.meta.region_name == REGION
    assert client.meta.endpoint_url == "http://127.0.0.1:1"


def test_client_defaults_are_short_for_a_login() -> None:
    """Defaults: 2 s connect, 5 s read, 3 attempts in all, standard mode, 10 connections."""
    client = make_cognito_client(region=REGION, access_key_id="a", secret_access_key="b")
    config: Any = client.meta.config  # the stubs do not declare the fields
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.connect_timeout == 2.0
    assert config.read_timeout == 5.0
    assert config.max_pool_connections == 10
    assert client.meta.endpoint_url == "https://cognito-idp.eu-west-1.amazonaws.com"


def test_explicit_keys_are_used() -> None:
    """Given keys, the client signs with them and not with the environment's."""
    client = client_for("http://127.0.0.1:1", access_key_id="AKIDEXPLICIT")
    credentials = cast(Any, client)._request_signer._credentials
    assert credentials.access_key == "AKIDEXPLICIT"


def test_default_chain_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without keys the default credential chain (here: the environment) applies."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    client = client_for("http://127.0.0.1:1", access_key_id=None, secret_access_key=None)
    assert cast(Any, client)._request_signer._credentials.access_key == "AKIDFROMENV"


def test_global_default_session_is_left_alone() -> None:
    """A fresh session is used, so boto3's process-global default session is untouched."""
    before = boto3.DEFAULT_SESSION
    client_for("http://127.0.0.1:1")
    assert boto3.DEFAULT_SESSION is before


@pytest.mark.parametrize(
    "settings",
    [
        {"region": ""},
        {"access_key_id": "only-half", "secret_access_key": None},
        {"max_attempts": 0},
        {"max_pool_connections": 0},
        {"region": "not a region"},
        {"endpoint_url": "not a url"},
    ],
    ids=["no-region", "half-keys", "zero-attempts", "zero-pool", "bad-region", "bad-endpoint"],
)
def test_bad_settings_raise_configuration_error(settings: dict[str, Any]) -> None:
    """Unusable settings fail at start-up with ConfigurationError, never a botocore error."""
    with pytest.raises(ConfigurationError):
        client_for(settings.pop("endpoint_url", "http://127.0.0.1:1"), **settings)


def test_no_password_in_debug_logs(caplog: pytest.LogCaptureFixture, closed_port: int) -> None:
    """With the root logger at DEBUG, botocore's request-body records are still dropped."""
    client = client_for(f"http://127.0.0.1:{closed_port}")
    with caplog.at_level(logging.DEBUG), pytest.raises(CredentialStoreUnavailable):
        store_for(client).check(USERNAME, PASSWORD)
    assert caplog.records, "botocore should still log something at DEBUG"
    assert PASSWORD not in caplog.text


# --- network failures --------------------------------------------------------------


def test_connection_refused_is_unavailable_fast(closed_port: int) -> None:
    """A closed port gives CredentialStoreUnavailable within a second, not a hang."""
    store = store_for(client_for(f"http://127.0.0.1:{closed_port}"))
    started = time.monotonic()
    with pytest.raises(CredentialStoreUnavailable) as caught:
        store.check(USERNAME, PASSWORD)
    assert time.monotonic() - started < 1.0
    assert type(caught.value) is CredentialStoreUnavailable
    assert "EndpointConnectionError" in str(caught.value)
    assert_clean(caught.value)


def test_read_timeout_is_unavailable_fast(silent_port: int) -> None:
    """A server that never answers gives CredentialStoreUnavailable after read_timeout."""
    store = store_for(client_for(f"http://127.0.0.1:{silent_port}", read_timeout=0.3))
    started = time.monotonic()
    with pytest.raises(CredentialStoreUnavailable) as caught:
        store.set_password(USERNAME, PASSWORD)
    assert time.monotonic() - started < 2.0
    assert "ReadTimeoutError" in str(caught.value)
    assert_clean(caught.value)


def inject(client: CognitoIdentityProviderClient, handler: Callable[..., Any]) -> None:
    """Answer every request in place of the network, inside botocore's retry loop."""
    client.meta.events.register("before-send.cognito-idp.*", handler)


def raiser(exc: Exception) -> Callable[..., Any]:
    def handler(**_: Any) -> Any:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectTimeoutError(endpoint_url="http://x"), CredentialStoreUnavailable),
        (ReadTimeoutError(endpoint_url="http://x"), CredentialStoreUnavailable),
        (ConnectionClosedError(endpoint_url="http://x"), CredentialStoreUnavailable),
        (SSLError(endpoint_url="http://x", error=OSError("bad cert")), CredentialStoreUnavailable),
        (NoCredentialsError(), CredentialStoreMisconfigured),
        # Not botocore's: once such an error escaped as a 500 that closed the connection.
        (ProtocolError("Connection aborted.", ConnectionResetError()), CredentialStoreUnavailable),
        (ValueError(f"unparsable answer quoting {PASSWORD}"), CredentialStoreUnavailable),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_transport_errors_map(
    closed_port: int, exc: Exception, expected: type[HashlessError]
) -> None:
    """Transport errors become Unavailable, whoever raises them (never a 500); missing
    credentials a misconfiguration."""
    client = client_for(f"http://127.0.0.1:{closed_port}")
    inject(client, raiser(exc))
    with pytest.raises(HashlessError) as caught:
        store_for(client).delete(USERNAME)
    assert type(caught.value) is expected
    assert_clean(caught.value)


def test_attempts_count_the_first_try(closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """max_attempts=3 means three requests in all for a retryable connection failure."""
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
    client = client_for(f"http://127.0.0.1:{closed_port}", max_attempts=3)
    calls: list[int] = []

    def handler(**_: Any) -> Any:
        calls.append(1)
        raise ConnectionClosedError(endpoint_url="http://x")

    inject(client, handler)
    with pytest.raises(CredentialStoreUnavailable):
        store_for(client).check(USERNAME, PASSWORD)
    assert len(calls) == 3


def test_throttling_is_retried_then_reported(
    closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Standard mode retries Cognito's HTTP-400 TooManyRequestsException, then Throttled."""
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
    client = client_for(f"http://127.0.0.1:{closed_port}", max_attempts=2)
    calls: list[int] = []

    def handler(request: Any, **_: Any) -> AWSResponse:
        calls.append(1)
        body = b'{"__type":"TooManyRequestsException","message":"Rate exceeded"}'
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, 400, headers, _Raw(body))

    inject(client, handler)
    with pytest.raises(CredentialStoreThrottled) as caught:
        store_for(client).check(USERNAME, PASSWORD)
    assert len(calls) == 2
    assert_clean(caught.value)


class _Raw:
    """The minimal raw body AWSResponse reads from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body
