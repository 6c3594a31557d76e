"""The admin API's token is limited like the dashboard's form; validation errors say
what is wrong in words (issue 12, item 12)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hashless.service.auth import ADMIN_TOKEN_RULE


def test_wrong_admin_tokens_are_limited_per_address(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """After the free failures the admin API answers 429 with Retry-After, the right
    token included, and the dashboard's form shares the count."""
    wrong = {"x-medusa-access-token": "not-the-admin-token-at-all"}
    for _ in range(ADMIN_TOKEN_RULE.free + 1):
        assert client.get("/admin/credentials/stats", headers=wrong).status_code == 401
    limited = client.get("/admin/credentials/stats", headers=admin_headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    form = client.post("/admin/login", data={"token": "not-the-admin-token-at-all"})
    assert form.status_code == 429


def test_a_right_admin_token_costs_no_audit_row(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """API calls with the right token are not sign-ins: only failures are audited."""
    for _ in range(3):
        assert client.get("/admin/credentials/stats", headers=admin_headers).status_code == 200
    events = client.get("/admin/audit-events?event=admin", headers=admin_headers).json()
    assert events["count"] == 0


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["pattern"])] if "pattern" in node else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


def test_no_field_checks_with_a_regular_expression(client: TestClient) -> None:
    """A pattern constraint answers 'String should match pattern <regex>': none is left."""
    assert _patterns(client.get("/openapi.json").json()) == []


INVALID = [
    ("/store/auth", {"email": "not an email", "password": "x"}, "email"),
    ("/store/customers", {"email": "a@b.co", "password": "x" * 9, "first_name": "a\x00"}, "NUL"),
    ("/store/customers", {"email": "a@b.co", "password": "x" * 9, "phone": "1\x00"}, "NUL"),
    ("/store/customers/password-token", {"email": "@"}, "email"),
    ("/store/customers", {"email": "a@b.co", "password": "x" * 9, "extra": 1}, "not permitted"),
    ("/store/auth", {"email": "a@b.co", "password": "p" * 257}, "at most 256"),
]


@pytest.mark.parametrize(("path", "body", "words"), INVALID)
def test_invalid_fields_are_explained_in_words(
    client: TestClient, path: str, body: dict[str, object], words: str
) -> None:
    """Each refused field is named with what is wrong, and no regular expression shows."""
    response = client.post(path, json=body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert words in message
    assert not re.search(r"pattern|\^|\\x|\[\^", message), message
