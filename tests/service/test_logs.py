"""Log lines carry the request id, as JSON (one object a line) or as readable text."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from hashless.logs import configure_logging
from hashless.service.request_id import current_request_id

pytestmark = pytest.mark.usefixtures("restore_root_logger")


AddLegacy = Callable[[str, str], str]


def test_json_lines_carry_the_request_id_of_their_request(
    client: TestClient, add_legacy: AddLegacy, capsys: pytest.CaptureFixture[str]
) -> None:
    """A migration logged during a request names the request's id, the one in x-request-id."""
    configure_logging("json", request_id=current_request_id.get)
    add_legacy("ann@example.com", "legacy password")
    response = client.post(
        "/store/auth",
        json={"email": "ann@example.com", "password": "legacy password"},
        headers={"x-request-id": "req-abc.123"},
    )
    assert response.headers["x-request-id"] == "req-abc.123"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (migrated,) = [entry for entry in lines if entry["message"].startswith("migrated customer_id=")]
    assert migrated["request_id"] == "req-abc.123"
    assert migrated["logger"] == "hashless.migration" and migrated["level"] == "info"
    logging.getLogger("hashless.test").info("outside any request")
    (outside,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert "request_id" not in outside


def test_text_lines_show_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's readable format puts the id in brackets, '-' outside a request."""
    configure_logging("text", request_id=current_request_id.get)
    token = current_request_id.set("req-42")
    try:
        logging.getLogger("hashless.test").warning("inside")
    finally:
        current_request_id.reset(token)
    logging.getLogger("hashless.test").warning("outside")
    inside, outside = capsys.readouterr().err.splitlines()
    assert inside.endswith("WARNING hashless.test [req-42]: inside")
    assert outside.endswith("WARNING hashless.test [-]: outside")
