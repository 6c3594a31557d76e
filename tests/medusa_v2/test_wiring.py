"""medusa-v2 as `hashless serve` wires it from the environment alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hashless.config import load_settings
from hashless.errors import ConfigurationError
from hashless.service import wiring


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Only a medusa-v2 deployment's settings (no .env, no leftovers from the shell)."""
    for name in os.environ:
        if name.startswith(("COGNITO_", "HASHLESS_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HASHLESS_PLATFORM", "medusa-v2")
    monkeypatch.setenv("HASHLESS_DATABASE_URL", "postgres://postgres@127.0.0.1:1/medusa")
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "eu-west-1_Example1")
    monkeypatch.setenv("COGNITO_CLIENT_ID", "exampleclient")
    return monkeypatch


def test_medusa_v2_needs_the_provider_token(environment: pytest.MonkeyPatch) -> None:
    """Without HASHLESS_PROVIDER_TOKEN the app refuses to start, naming the setting; a
    short one is refused by the settings without showing it."""
    with pytest.raises(ConfigurationError, match="HASHLESS_PROVIDER_TOKEN is not set"):
        wiring.create_app_from_environment()
    environment.setenv("HASHLESS_PROVIDER_TOKEN", "short-secret")
    with pytest.raises(ConfigurationError, match="PROVIDER_TOKEN") as refused:
        load_settings()
    assert "short-secret" not in str(refused.value)


def test_medusa_v2_builds_its_app_and_has_no_store_host(environment: pytest.MonkeyPatch) -> None:
    """With the token the provider app is built (the database is only reached on use);
    the store-side commands (a Host) refuse medusa-v2 with one line."""
    environment.setenv("HASHLESS_PROVIDER_TOKEN", "a-provider-token-0123456789")
    client = TestClient(wiring.create_app_from_environment())
    answer = client.post("/medusa-v2/provider/authenticate", json={})
    assert (answer.status_code, answer.json()["outcome"]) == (401, "refused")
    settings, _ = load_settings()
    with pytest.raises(ConfigurationError, match="medusa-v2"):
        wiring.host_for(settings)
