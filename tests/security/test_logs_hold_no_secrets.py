"""With every logger at DEBUG, botocore's included, no secret reaches a log record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hashless.config import Settings
from hashless.credentials import CognitoCredentialStore, make_cognito_client, provision_pool
from hashless.credentials.cognito import secret_hash
from hashless.demo.emulator import EMULATOR_CREDENTIALS, running_emulator
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD, demo_context
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.logs import configure_logging
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.storage import Database
from tests.service.conftest import ADMIN_TOKEN, CapturedDelivery


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


@pytest.fixture
def captured() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    previous = root.level
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [(logger, logger.level) for logger in loggers]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for logger, level in levels:
            logger.setLevel(level)


def test_full_flows_leave_no_secret_in_the_logs(sqlite_db: Database, captured: _Everything) -> None:
    """Register, migrate, fail, change, reset, token, logout: no password, hash, token or secret."""
    secrets: set[str] = {DEMO_PASSWORD, ADMIN_TOKEN}
    delivery = CapturedDelivery()
    with running_emulator() as endpoint:
        client_ = make_cognito_client(
            region="eu-west-1",
            endpoint_url=endpoint,
            access_key_id=EMULATOR_CREDENTIALS.access_key_id,
            secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
        )
        pool = provision_pool(client_, pool_name="logs", generate_secret=True)
        assert pool.client_secret
        secrets.add(pool.client_secret)
        store = CognitoCredentialStore(
            client_,
            user_pool_id=pool.user_pool_id,
            client_id=pool.client_id,
            client_secret=pool.client_secret,
        )
        ids = sqlite_db.customers.insert_legacy(DEMO_CUSTOMERS, new_customer_id)
        secrets.update(c.legacy_hash for c in DEMO_CUSTOMERS)
        context = ServiceContext(
            engine=MigrationEngine(
                sqlite_db.records, store, default_registry(), observer=migration_auditor(sqlite_db)
            ),
            db=sqlite_db,
            reset_delivery=delivery,
            admin_token=ADMIN_TOKEN,
            cookie_secure=False,
            failure_floor_seconds=0.0,
        )
        with TestClient(create_app(context)) as http:
            passwords = ["first secret pass", "second secret pass", "third secret pass"]
            secrets.update(passwords)
            http.post(
                "/store/customers", json={"email": "new@example.com", "password": passwords[0]}
            )
            secrets.add(http.cookies.get("hashless_sid") or "")
            for customer in DEMO_CUSTOMERS:
                http.post("/store/auth", json={"email": customer.email, "password": DEMO_PASSWORD})
                secrets.add(http.cookies.get("hashless_sid") or "")
                http.post(
                    "/store/auth", json={"email": customer.email, "password": "wrong-guess-1"}
                )
            secrets.add("wrong-guess-1")
            http.post("/store/auth", json={"email": "new@example.com", "password": passwords[0]})
            http.post("/store/customers/me", json={"password": passwords[1]})
            token = http.post(
                "/store/auth/token", json={"email": "new@example.com", "password": passwords[1]}
            ).json()["access_token"]
            secrets.add(token)
            http.post("/store/customers/password-token", json={"email": "new@example.com"})
            reset = delivery.events[-1].token
            secrets.add(reset)
            http.post(
                "/store/customers/password-reset",
                json={"email": "new@example.com", "token": reset, "password": passwords[2]},
            )
            http.get("/admin/credentials/stats", headers={"x-medusa-access-token": ADMIN_TOKEN})
            http.delete("/store/auth")
        for customer_id in ids:
            secrets.add(secret_hash(customer_id, pool.client_id, pool.client_secret))

    text = "\n".join(captured.lines)
    assert "botocore" in text, "botocore logged nothing: the capture did not work"
    leaked = sorted(s for s in secrets if s and s in text)
    assert leaked == []
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ", text), "a Cognito JWT reached the logs"


@pytest.mark.usefixtures("restore_root_logger")
def test_log_level_debug_shows_debug_lines_and_no_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """HASHLESS_LOG_LEVEL=debug, as `hashless serve` sets it up: DEBUG lines appear, and a
    migration, a bearer login and a failed login against the emulator log no secret."""
    monkeypatch.setenv("HASHLESS_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert settings.log_level == "debug"
    configure_logging("text", settings.log_level)
    customer = DEMO_CUSTOMERS[0]
    with demo_context(settings) as (context, info), TestClient(create_app(context)) as http:
        http.post("/store/auth", json={"email": customer.email, "password": DEMO_PASSWORD})
        session = http.cookies.get("hashless_sid")
        token = http.post(
            "/store/auth/token", json={"email": customer.email, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        http.post("/store/auth", json={"email": customer.email, "password": "wrong-guess-2"})
    text = capsys.readouterr().err
    assert " DEBUG " in text and "migrated customer_id=" in text
    secrets = {DEMO_PASSWORD, "wrong-guess-2", session, token, info.admin_token}
    secrets.update(c.legacy_hash for c in DEMO_CUSTOMERS)
    assert sorted(s for s in secrets if s and s in text) == []
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ", text), "a Cognito JWT reached the logs"
