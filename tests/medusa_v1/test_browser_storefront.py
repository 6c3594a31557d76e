"""A storefront page on another origin, in a real Chromium, ordering through hashless.

The page is served from ``http://127.0.0.1:<page port>`` (on ``HASHLESS_STORE_CORS``),
hashless from another port: a cross-origin, same-site storefront, as ``shop.example``
calling ``api.shop.example`` is. It logs a customer Medusa registered before hashless
in with ``fetch(..., {credentials: "include"})``, so the browser holds hashless' HttpOnly
cookie, and checks out with it; the order in Medusa's database is that customer's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_dashboard_chromium import chromium

from .real_stack import LEGACY_PASSWORD, MedusaStack

__all__ = ["chromium"]

pytestmark = [pytest.mark.browser, pytest.mark.node, pytest.mark.postgres]

_PAGE = Path(__file__).with_name("storefront.html")
"""The storefront: plain ``fetch`` calls, as any storefront framework makes them."""


@pytest.fixture
def storefront(medusa_stack: MedusaStack) -> Iterator[str]:
    """The page, served on the stack's page port: its URL."""
    seeded = {
        "email": medusa_stack.legacy["browser"],
        "password": LEGACY_PASSWORD,
        "region_id": medusa_stack.seeded.region_id,
        "variant_id": medusa_stack.seeded.variant_id,
        "shipping_option_id": medusa_stack.seeded.shipping_option_id,
        "country_code": medusa_stack.seeded.country_code,
    }
    page = (
        _PAGE.read_text()
        .replace("__API__", json.dumps(medusa_stack.hashless.url))
        .replace("__SEEDED__", json.dumps(seeded))
        .encode()
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", medusa_stack.page_port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{medusa_stack.page_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_storefront_on_another_origin_orders_with_cookies(
    chromium: Any, storefront: str, medusa_stack: MedusaStack, tmp_path: Path
) -> None:
    """Chromium on the storefront's origin: login, profile, cart and order through hashless
    with its cookie (HttpOnly: the page cannot read it); the order row is the customer's."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    chromium.get(storefront)
    result = WebDriverWait(chromium, 120).until(
        lambda driver: driver.find_element(By.ID, "result").text or None
    )
    chromium.save_screenshot(str(tmp_path / "storefront.png"))
    out = json.loads(result)
    assert out["ok"], out
    customer_id = out["login"]
    assert out["me"] == out["cart_customer"] == out["order_customer"] == customer_id
    assert out["type"] == "order" and out["cookie_visible"] is False
    rows = medusa_stack.sql('SELECT customer_id FROM "order" WHERE id = %s', out["order"])
    assert rows == [(customer_id,)]
    assert medusa_stack.password_hash(medusa_stack.legacy["browser"]) is None
