"""A real Medusa v1.20.11 server with hashless in front of it (``medusa_stack``, once a
session), for ``test_real_medusa`` and ``test_browser_storefront``.

The real stack is built from the example's pieces (``examples/medusa-v1``): Medusa
installed from its lock file (cached under ``.cache/medusa-v1``), a fresh PostgreSQL
database migrated by ``medusa migrations run``, Medusa on a free port, the seed of a
region, product and shipping option, customers registered through Medusa itself
before hashless starts, a moto server as Cognito, and ``hashless serve --workers 2``
with ``HASHLESS_PLATFORM=medusa-v1``. Everything stops, and the database is dropped, at
the end of the session.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from tests.conftest import IN_CI, POSTGRES_URL
from tests.test_medusa_js import JS_DIR, Process, Webhook, node, webhook_receiver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "medusa-v1"
sys.path.insert(0, str(EXAMPLE))

import medusa_backend as backend  # noqa: E402
import stack  # noqa: E402

__all__ = ["LEGACY_PASSWORD", "MedusaStack", "medusa_stack", "node", "webhook"]

LEGACY_PASSWORD = "legacy password 1"
LEGACY = ("cookie", "bearer", "reset", "signout", "browser", "burst", "direct", "nginx")
"""One customer per scenario, each registered through Medusa before hashless starts."""
ADMIN_TOKEN = secrets.token_hex(24)
FLOW_WAIT = 120.0


@pytest.fixture(scope="session")
def webhook() -> Iterator[Webhook]:
    """The medusa-js suite's reset-webhook receiver, once a session."""
    with webhook_receiver() as receiver:
        yield receiver


@dataclass
class MedusaStack:
    medusa: backend.MedusaServer
    hashless: stack.Hashless
    seeded: backend.Seeded
    cognito: dict[str, str]
    legacy: dict[str, str]
    """Scenario name -> email of a customer Medusa registered before hashless started."""
    webhook: Webhook
    node: str
    page_port: int
    """The port the browser test serves its storefront page on (in HASHLESS_STORE_CORS)."""
    workdir: Path
    admin_token: str = ADMIN_TOKEN

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.medusa.database_url) as connection:
            return connection.execute(query, params).fetchall()  # type: ignore[arg-type]

    def medusa_log_line(self, needle: str, timeout: float = 30.0) -> str:
        """The first line of Medusa's log containing ``needle``, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.medusa.log.read_text(errors="replace").splitlines():
                if needle in line:
                    return line.strip()
            time.sleep(0.25)
        pytest.fail(f"Medusa logged no {needle!r} in {timeout:.0f} s:\n{self.medusa.log_tail()}")

    def reset_token(self, email: str) -> str:
        """The token of the reset webhook hashless sent for ``email``."""
        server = Process("hashless", self.hashless.process, self.hashless.log, self.hashless.log)
        token: str = self.webhook.event_for(email.lower(), server)["token"]
        return token

    def password_hash(self, email: str) -> str | None:
        rows = self.sql(
            "SELECT password_hash FROM customer WHERE email = %s AND has_account", email
        )
        assert len(rows) == 1, rows
        value: str | None = rows[0][0]
        return value

    def cognito_users(self, email: str) -> list[dict[str, Any]]:
        client = boto3.client(
            "cognito-idp",
            region_name=self.cognito["COGNITO_REGION"],
            endpoint_url=self.cognito["COGNITO_ENDPOINT_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        users: list[dict[str, Any]] = []
        for page in client.get_paginator("list_users").paginate(
            UserPoolId=self.cognito["COGNITO_USER_POOL_ID"]
        ):
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                if attributes.get("email", "").lower() == email.lower():
                    users.append(dict(user))
        return users

    def checkout(
        self, email: str, password: str, mode: str, *, base_url: str | None = None
    ) -> dict[str, Any]:
        """medusa_v1_checkout.mjs through hashless (or ``base_url``, a proxy in front of
        it): log in, profile, cart, order."""
        env = stack.clean_env(
            **{
                "HASHLESS_BASE_URL": base_url or self.hashless.url,
                "FLOW_EMAIL": email,
                "FLOW_PASSWORD": password,
                "FLOW_MODE": mode,
                "FLOW_COOKIE_NAME": "hashless_sid",
                "FLOW_REGION_ID": self.seeded.region_id,
                "FLOW_VARIANT_ID": self.seeded.variant_id,
                "FLOW_SHIPPING_OPTION_ID": self.seeded.shipping_option_id,
                "FLOW_COUNTRY": self.seeded.country_code,
            }
        )
        result = subprocess.run(
            [self.node, str(JS_DIR / "medusa_v1_checkout.mjs")],
            cwd=JS_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=FLOW_WAIT,
            check=False,
        )
        lines = result.stdout.strip().splitlines()
        report: dict[str, Any] = json.loads(lines[-1]) if lines else {"ok": False}
        if result.returncode != 0 or not report.get("ok"):
            pytest.fail(
                f"checkout flow failed: {result.stderr.strip()}\n{result.stdout}\n"
                f"--- hashless\n{self.hashless.log_text()[-4000:]}\n"
                f"--- medusa\n{self.medusa.log_tail()}"
            )
        return report


def _node_and_npm_or_skip(node: str) -> None:
    import shutil

    if shutil.which("npm") is None:
        message = "npm is needed to install Medusa v1"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def medusa_stack(
    node: str, webhook: Webhook, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MedusaStack]:
    _node_and_npm_or_skip(node)
    server_url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(server_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable: {type(exc).__name__} (CI=true requires it)")
        pytest.skip(f"PostgreSQL unreachable: {type(exc).__name__}")
    workdir = tmp_path_factory.mktemp("medusa-v1")
    try:
        project = backend.install()
    except backend.MedusaError as exc:
        pytest.fail(str(exc))
    name = f"hashless_medusa_v1_{uuid.uuid4().hex[:12]}"
    database_url = backend.create_database(server_url, name)
    try:
        backend.migrate(project, database_url)
        with backend.running_medusa(project, database_url, log=workdir / "medusa.log") as medusa:
            seeded = backend.seed(medusa)
            legacy = {}
            for scenario in LEGACY:
                email = f"legacy-{scenario}-{uuid.uuid4().hex[:6]}@example.com"
                backend.register_through_medusa(medusa, email, LEGACY_PASSWORD)
                legacy[scenario] = email
            page_port = backend.free_port()
            with stack.running_cognito_stand_in(workdir) as cognito:
                env = stack.hashless_env(
                    medusa,
                    cognito,
                    HASHLESS_ADMIN_TOKEN=ADMIN_TOKEN,
                    HASHLESS_RESET_WEBHOOK_URL=webhook.url,
                    HASHLESS_STORE_CORS=f"http://127.0.0.1:{page_port}",
                    HASHLESS_LOGIN_FAILURE_FLOOR_MS="0",
                    # The burst test pins one Cognito user per customer, not the shaping.
                    HASHLESS_COGNITO_RATE_AUTH="0",
                    HASHLESS_COGNITO_RATE_FILE=str(workdir / "cognito-rate"),
                )
                with stack.running_hashless(env, workdir, workers=2) as hashless:
                    yield MedusaStack(
                        medusa, hashless, seeded, cognito, legacy, webhook, node, page_port, workdir
                    )
    finally:
        backend.drop_database(server_url, name)
