"""The local demo sends reset tokens where the developer configured them, and says where."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hashless.config import Settings
from hashless.demo.run import demo_context
from hashless.service import create_app


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A receiver on a free local port; the JSON bodies it was sent."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://hook-user:hook-secret@127.0.0.1:{server.server_port}/reset?key=k", received
    finally:
        server.shutdown()
        server.server_close()


def test_demo_uses_a_configured_webhook_and_keeps_tokens_out_of_the_log(
    webhook: tuple[str, list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    """HASHLESS_RESET_WEBHOOK_URL set: the token goes to it, not to the log; the banner
    names the webhook's host without its credentials."""
    url, received = webhook
    with demo_context(Settings(HASHLESS_RESET_WEBHOOK_URL=url)) as (context, info):
        banner = info.banner(9000)
        port = url.split("@")[1].split("/")[0]
        assert f"Reset tokens: POSTed to the webhook at http://{port}\n" in banner
        assert "hook-secret" not in banner and "printed in this log" not in banner
        with caplog.at_level(logging.DEBUG), TestClient(create_app(context)) as http:
            answer = http.post(
                "/store/customers/password-token", json={"email": "legacy-v1@example.com"}
            )
    assert answer.status_code == 204
    (event,) = received
    assert event["email"] == "legacy-v1@example.com" and event["token"]
    assert event["token"] not in caplog.text and "hook-secret" not in caplog.text


def test_demo_without_delivery_prints_tokens_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing configured: the token is printed in the log, as the banner says."""
    with demo_context(Settings()) as (context, info):
        assert "Reset tokens: printed in this log (DEMO ONLY)" in info.banner(9000)
        with caplog.at_level(logging.INFO), TestClient(create_app(context)) as http:
            http.post("/store/customers/password-token", json={"email": "legacy-v2@example.com"})
    assert "DEMO ONLY password reset token for legacy-v2@example.com" in caplog.text


def test_demo_banner_names_a_configured_smtp_server() -> None:
    """HASHLESS_SMTP_HOST set: the demo emails the link, and the banner says through which."""
    settings = Settings(
        HASHLESS_SMTP_HOST="127.0.0.1",
        HASHLESS_SMTP_TLS="none",
        HASHLESS_SMTP_FROM="Shop <shop@example.com>",
        HASHLESS_RESET_URL_TEMPLATE="http://localhost:8000/reset?token={token}",
    )
    with demo_context(settings) as (_, info):
        assert "Reset tokens: emailed through SMTP at 127.0.0.1" in info.banner(9000)
