"""The admin dashboard in headless Chromium, with real migrations behind its chart.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``): skipped without them, except under CI=true, where
``.ci/run`` installs them. Writes a screenshot into the test's tmp dir, and to
``docs/dashboard.png`` when HASHLESS_WRITE_SCREENSHOT=1.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import httpx
import pytest
import uvicorn
from sqlalchemy import update

from hashless.config import Settings
from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import provision_pool
from hashless.demo.emulator import EMULATOR_CREDENTIALS, running_emulator
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.identity import new_customer_id
from hashless.service import create_app
from hashless.service.wiring import build_context
from hashless.storage import Database, LegacyCustomer
from hashless.storage.models import Customer
from tests.conftest import IN_CI
from tests.service.conftest import ADMIN_TOKEN

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]

LEGACY = 24
"""Legacy customers seeded; MIGRATED of them log in through the service."""
MIGRATED = 14
SHORT_PASSWORD = "short7!"
"""Accepted by the old platform, refused by the pool's 8-character minimum: a blocked customer."""

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """hashless on a real port: moto as Cognito, SQLite, wired as `hashless serve` wires it."""
    with running_emulator() as endpoint:
        client = make_cognito_client(
            region="us-east-1",
            endpoint_url=endpoint,
            access_key_id=EMULATOR_CREDENTIALS.access_key_id,
            secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
        )
        pool = provision_pool(client, pool_name="browser")
        store = CognitoCredentialStore(
            client, user_pool_id=pool.user_pool_id, client_id=pool.client_id
        )
        db = Database.connect(f"sqlite:///{tmp_path}/hashless.db")
        settings = Settings(HASHLESS_ADMIN_TOKEN=ADMIN_TOKEN, HASHLESS_LOGIN_FAILURE_FLOOR_MS=0)  # type: ignore[call-arg]
        context = build_context(settings, store=store, db=db, cookie_secure=False)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(context), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        try:
            yield f"http://127.0.0.1:{port}", db
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            db.engine.dispose()


def _seed_and_migrate(base: str, db: Database) -> None:
    """Legacy customers log in through the service (migrating), spread over two weeks."""
    v1 = DEMO_CUSTOMERS[0]
    strong = bcrypt.hashpw(b"a strong legacy password", bcrypt.gensalt(10)).decode()
    short = bcrypt.hashpw(SHORT_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    customers = (
        [
            LegacyCustomer(
                email=f"customer{i:02}@example.com",
                legacy_format="medusa-v1",
                legacy_hash=v1.legacy_hash,
            )
            for i in range(LEGACY - 4)
        ]
        + [
            LegacyCustomer(
                email=f"bcrypt{i}@example.com", legacy_format="bcrypt", legacy_hash=strong
            )
            for i in range(3)
        ]
        + [LegacyCustomer(email="short@example.com", legacy_format="bcrypt", legacy_hash=short)]
    )
    ids = db.customers.insert_legacy(customers, new_customer_id)
    with httpx.Client(base_url=base, timeout=30) as http:
        for customer in customers[:MIGRATED]:
            answer = http.post(
                "/store/auth", json={"email": customer.email, "password": DEMO_PASSWORD}
            )
            assert answer.status_code == 200, answer.text
        blocked = http.post(
            "/store/auth", json={"email": "short@example.com", "password": SHORT_PASSWORD}
        )
        assert blocked.status_code == 200
        assert (
            http.post(
                "/store/auth", json={"email": customers[0].email, "password": "wrong"}
            ).status_code
            == 401
        )
        for i in range(3):
            registered = http.post(
                "/store/customers",
                json={"email": f"new{i}@example.com", "password": "a new password"},
            )
            assert registered.status_code == 200
    # The migrations above all happened now; date them back as if they had come in over two
    # weeks, so that the chart shows a migration over time. Nothing else about them changes.
    today = datetime.now(UTC)
    with db.engine.begin() as connection:
        connection.execute(
            update(Customer)
            .where(Customer.id.in_(ids))
            .values(created_at=today - timedelta(days=20))
        )
        for n, customer_id in enumerate(ids[:MIGRATED]):
            connection.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(migrated_at=today - timedelta(days=13 - n))
            )


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[object]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def test_dashboard_in_chromium_shows_the_migration(
    chromium: object, service: tuple[str, Database], tmp_path: Path
) -> None:
    """Sign in once, see the chart of real migrations, exposure, blocked and health; screenshot."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(chromium, WebDriver)
    base, db = service
    _seed_and_migrate(base, db)

    chromium.get(f"{base}/admin")
    chromium.find_element(By.ID, "token").send_keys(ADMIN_TOKEN)
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(chromium, 15).until(
        expected_conditions.presence_of_element_located((By.ID, "migration-chart"))
    )

    assert chromium.execute_script("return document.cookie") == ""  # HttpOnly: no script sees it
    days = chromium.find_elements(By.CSS_SELECTOR, "#migration-chart g.day")
    assert len(days) == 30
    last = days[-1]
    counts = {
        rect.get_attribute("class"): int(rect.get_attribute("data-count") or 0)
        for rect in last.find_elements(By.TAG_NAME, "rect")
    }
    assert counts == {"legacy": LEGACY - MIGRATED, "migrated": MIGRATED, "registered": 3}
    first_migrated = next(
        i for i, day in enumerate(days) if day.find_elements(By.CSS_SELECTOR, "rect.migrated")
    )
    assert first_migrated == 30 - 14  # the first migration, 13 days ago
    assert chromium.find_element(By.ID, "percent-migrated").text == f"{100 * 17 / 27:.1f}%"
    assert chromium.find_element(By.ID, "blocked").text == "1"
    assert "short@example.com" in chromium.page_source
    assert "set_password" in chromium.page_source  # Cognito health rows, from real calls

    height = chromium.execute_script("return document.documentElement.scrollHeight")
    chromium.set_window_size(1280, int(height) + 40)
    shot = chromium.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    path = tmp_path / "dashboard.png"
    path.write_bytes(png)
    if os.environ.get("HASHLESS_WRITE_SCREENSHOT") == "1":
        shutil.copyfile(path, ROOT / "docs" / "dashboard.png")
