"""The provider routes: the shared secret, no browsers, and each outcome's answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hashless.errors import (
    AccountExists,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    InvalidCredentials,
    PasswordRejected,
    TooManyAttempts,
)
from hashless.platforms.medusa_v2.app import create_medusa_v2_app
from hashless.platforms.medusa_v2.flows import StaysWithMedusa
from hashless.platforms.medusa_v2.records import MedusaIdentity
from hashless.platforms.medusa_v2.routes import TOKEN_HEADER, ProviderContext
from hashless.service.timing import FailureFloor

TOKEN = "provider-secret-0123456789abcdef"
IDENTITY = MedusaIdentity("authid_1", "a@example.com", "pid", {"customer_id": "cus_1"}, None)


class ScriptedFlows:
    """Flows that answer, or raise, what the test says."""

    outage = None
    """As ``GuardedLogins.outage``: no outage deadline in these tests."""

    def __init__(self) -> None:
        self.outcome: Any = IDENTITY
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def _answer(self, name: str, *args: str) -> MedusaIdentity:
        self.calls.append((name, args))
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome  # type: ignore[no-any-return]

    def authenticate(self, email: str, password: str) -> MedusaIdentity:
        return self._answer("authenticate", email, password)

    def register(self, email: str, password: str) -> MedusaIdentity:
        return self._answer("register", email, password)

    def update(self, entity_id: str, password: str | None, email: str | None) -> MedusaIdentity:
        return self._answer("update", entity_id, password, email)  # type: ignore[arg-type]

    def forget(self, auth_identity_id: str) -> bool:
        self.calls.append(("forget", (auth_identity_id,)))
        return auth_identity_id == "authid_gone"


@pytest.fixture
def flows() -> ScriptedFlows:
    return ScriptedFlows()


@pytest.fixture
def client(flows: ScriptedFlows) -> TestClient:
    context = ProviderContext(flows, flows, TOKEN, FailureFloor(0))  # type: ignore[arg-type]
    return TestClient(create_medusa_v2_app(context))


CREDENTIALS = {"email": "a@example.com", "password": "the password"}


def test_refused_without_the_right_token(client: TestClient, flows: ScriptedFlows) -> None:
    """No token or a wrong one: 401, and the flows never run."""
    for headers in ({}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: TOKEN + "x"}):
        answer = client.post("/medusa-v2/provider/authenticate", json=CREDENTIALS, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["outcome"] == "refused"
    assert flows.calls == []


@pytest.mark.parametrize(
    "browser",
    [
        {"origin": "https://shop.example"},
        {"cookie": "connect.sid=abc"},
        {"sec-fetch-site": "same-origin"},
        {"sec-fetch-mode": "cors"},
    ],
)
def test_a_browser_is_refused_even_with_the_token(
    client: TestClient, flows: ScriptedFlows, browser: dict[str, str]
) -> None:
    """A request that looks like a browser's is refused before its token is looked at."""
    headers = {TOKEN_HEADER: TOKEN, **browser}
    answer = client.post("/medusa-v2/provider/authenticate", json=CREDENTIALS, headers=headers)
    assert answer.status_code == 403
    assert flows.calls == []


def test_a_good_login_answers_medusas_identity(client: TestClient) -> None:
    """The identity in the shape Medusa's token issuer reads, and nothing of a hash."""
    answer = client.post(
        "/medusa-v2/provider/authenticate", json=CREDENTIALS, headers={TOKEN_HEADER: TOKEN}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["outcome"] == "ok"
    assert body["auth_identity"]["id"] == "authid_1"
    assert body["auth_identity"]["app_metadata"] == {"customer_id": "cus_1"}
    assert body["auth_identity"]["provider_identities"][0]["provider"] == "emailpass"
    assert "password" not in answer.text


@pytest.mark.parametrize(
    ("error", "status", "outcome"),
    [
        (InvalidCredentials(), 401, "invalid"),
        (StaysWithMedusa(), 200, "medusa"),
        (AccountExists(), 409, "exists"),
        (PasswordRejected("too short"), 400, "rejected"),
        (TooManyAttempts(30), 429, "throttled"),
        (CredentialStoreThrottled("check", "quota"), 429, "throttled"),
        (CredentialStoreUnavailable("check", "down"), 503, "unavailable"),
    ],
)
def test_each_error_has_its_outcome(
    client: TestClient, flows: ScriptedFlows, error: Exception, status: int, outcome: str
) -> None:
    """Every hashless error the flows raise becomes one named outcome (never a 500)."""
    flows.outcome = error
    for route in ("authenticate", "register"):
        answer = client.post(
            f"/medusa-v2/provider/{route}", json=CREDENTIALS, headers={TOKEN_HEADER: TOKEN}
        )
        assert (answer.status_code, answer.json()["outcome"]) == (status, outcome)


def test_update_takes_medusas_entity_id(client: TestClient, flows: ScriptedFlows) -> None:
    """``update`` passes the entity_id from Medusa's reset token and the new password."""
    answer = client.post(
        "/medusa-v2/provider/update",
        json={"entity_id": "a@example.com", "password": "new password"},
        headers={TOKEN_HEADER: TOKEN},
    )
    assert answer.status_code == 200
    assert flows.calls == [("update", ("a@example.com", "new password", None))]


def test_a_malformed_body_does_not_echo_the_password(client: TestClient) -> None:
    """A validation error names the field, never the value sent."""
    answer = client.post(
        "/medusa-v2/provider/authenticate",
        json={"email": ["x"], "password": "secret-value-123"},
        headers={TOKEN_HEADER: TOKEN},
    )
    assert answer.status_code == 400
    assert "secret-value-123" not in answer.text


def test_forget_answers_deleted_or_kept(client: TestClient, flows: ScriptedFlows) -> None:
    """``forget`` says whether the Cognito user went (the identity is gone) or stayed."""
    for identity, outcome in (("authid_gone", "deleted"), ("authid_1", "kept")):
        answer = client.post(
            "/medusa-v2/provider/forget",
            json={"auth_identity_id": identity},
            headers={TOKEN_HEADER: TOKEN},
        )
        assert (answer.status_code, answer.json()["outcome"]) == (200, outcome)
