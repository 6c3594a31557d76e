"""Whose ``X-Forwarded-For`` is believed: only the configured proxies' (issue 12, item 3).

``hashless serve --workers 2`` as its own process, so uvicorn's real proxy handling
in every worker is on trial; the client address shows in the session list.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hashless.config import load_settings
from hashless.credentials.provision import ProvisionedPool
from hashless.errors import ConfigurationError
from hashless.storage import Database
from tests.reliability.servers import KEYS, ServedHashless

FORWARDED = "203.0.113.9"


@pytest.fixture
def environment(pool: ProvisionedPool, moto_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    database = f"sqlite:///{tmp_path / 'hashless.db'}"
    Database.connect(database).engine.dispose()
    yield {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": moto_url,
        "COGNITO_ACCESS_KEY_ID": KEYS["access_key_id"],
        "COGNITO_SECRET_ACCESS_KEY": KEYS["secret_access_key"],
        "HASHLESS_DATABASE_URL": database,
        "HASHLESS_COOKIE_SECURE": "false",
        "HASHLESS_COGNITO_RATE_FILE": str(tmp_path / "quota.bin"),
    }


def _seen_address(server: ServedHashless) -> str:
    """Register with an X-Forwarded-For header; the address the session records."""
    connection = server.connect()
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "a fine password"}
    connection.request(
        "POST",
        "/store/customers",
        body=json.dumps(body),
        headers={"content-type": "application/json", "x-forwarded-for": FORWARDED},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    cookie = response.getheader("set-cookie", "").split(";")[0]
    connection.request("GET", "/store/auth/sessions", headers={"cookie": cookie})
    sessions = json.loads(connection.getresponse().read())["sessions"]
    connection.close()
    return str(sessions[0]["ip"])


def test_forwarded_for_is_ignored_by_default(environment: dict[str, str], tmp_path: Path) -> None:
    """Without HASHLESS_TRUSTED_PROXIES the client is the connection's address, even from
    127.0.0.1 (which uvicorn itself would trust)."""
    with ServedHashless(environment, workers=2, cwd=tmp_path) as server:
        assert _seen_address(server) == "127.0.0.1"


def test_a_trusted_proxy_names_the_client(environment: dict[str, str], tmp_path: Path) -> None:
    """With the proxy's network trusted, every worker takes the client from the header."""
    trusted = {**environment, "HASHLESS_TRUSTED_PROXIES": "127.0.0.0/8"}
    with ServedHashless(trusted, workers=2, cwd=tmp_path) as server:
        assert _seen_address(server) == FORWARDED


@pytest.mark.parametrize("value", ["proxy.example", "10.0.0.0/33", "10.0.0.1,,nope"])
def test_a_wrong_proxy_list_is_a_readable_error(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Anything but addresses, networks or ``*`` stops start-up naming the setting."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HASHLESS_TRUSTED_PROXIES", value)
    with pytest.raises(
        ConfigurationError, match=r"HASHLESS_TRUSTED_PROXIES is invalid: .*not an IP"
    ):
        load_settings()
