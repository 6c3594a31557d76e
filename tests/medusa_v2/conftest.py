"""A real Medusa 2.21.2 store (``examples/medusa-v2``) with hashless behind its auth.

Once per session: a fresh database, migrated and seeded; the stock store (Medusa's own
``emailpass``) registers the "old" customers; then hashless starts on a fresh moto
pool and Medusa restarts with the provider in place. Needs node, npm and PostgreSQL:
skipped without them, failed under CI=true.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from sqlalchemy import Engine, create_engine, text

from hashless.demo.emulator import EMULATOR_CREDENTIALS
from tests.conftest import IN_CI, _postgres_reachable

ROOT = Path(__file__).resolve().parents[2]
STOREFRONT = Path(__file__).with_name("storefront.cjs")

OLD_PASSWORD = "old medusa password"
OLD_CUSTOMERS = [
    "first-login",
    "outage",
    "crowd",
    "reset",
    "wrong",
    "checkout",
    "deleted",
    "moving",
]
"""Customers registered through Medusa's own emailpass before the provider was in."""
ADMIN_EMAIL = "admin@old.example.com"
ADMIN_PASSWORD = "admin password"


def load_stack() -> ModuleType:
    """``examples/medusa-v2/stack.py`` (its folder name is no Python package name)."""
    path = ROOT / "examples" / "medusa-v2" / "stack.py"
    spec = importlib.util.spec_from_file_location("medusa_v2_stack", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stack = load_stack()


def old_email(name: str) -> str:
    return f"{name}@old.example.com"


def _require_tools() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    problem = f"{' and '.join(missing)} not found" if missing else None
    if problem is None and (postgres := _postgres_reachable()) is not None:
        problem = f"PostgreSQL unreachable: {postgres}"
    if problem is not None:
        if IN_CI:
            pytest.fail(problem + " (CI=true requires it)")
        pytest.skip(problem)


@dataclass
class MedusaStore:
    medusa: Any
    hashless: Any
    hashless_env: dict[str, str]
    medusa_env: dict[str, str]
    database: Engine
    seeded: dict[str, str]
    cognito: Any
    pool_id: str
    outbox: Path

    def storefront(self, action: str, **payload: Any) -> dict[str, Any]:
        answer: dict[str, Any] = stack.node_script(
            STOREFRONT,
            {
                "action": action,
                "base": self.medusa.url,
                "key": self.seeded["publishable_key"],
                **payload,
            },
        )
        return answer

    def identity(self, email: str) -> Any:
        """The customer's emailpass provider identity row, as Medusa stores it."""
        with self.database.connect() as connection:
            return connection.execute(
                text(
                    "SELECT auth_identity_id, provider_metadata FROM provider_identity "
                    "WHERE provider = 'emailpass' AND entity_id = :email"
                ),
                {"email": email},
            ).one_or_none()

    def post(self, path: str, body: Any, token: str | None = None) -> Any:
        return self.request("POST", path, body, token)

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.medusa.url + path, data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def cognito_usernames(self) -> list[str]:
        users = self.cognito.list_users(UserPoolId=self.pool_id)["Users"]
        return sorted(user["Username"] for user in users)

    def reset_tokens(self, email: str) -> list[str]:
        if not self.outbox.exists():
            return []
        lines = [json.loads(line) for line in self.outbox.read_text().splitlines()]
        return [line["token"] for line in lines if line["to"] == email]


@pytest.fixture(scope="session")
def medusa_store(
    moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MedusaStore]:
    _require_tools()
    stack.ensure_installed()
    with stack.medusa_database() as database_url:
        stock = stack.medusa_env(database_url, provider=False)
        stack.migrate(stock)
        seeded = stack.seed(stock)
        stack.create_admin(stock, ADMIN_EMAIL, ADMIN_PASSWORD)
        before = stack.start_medusa(stock)
        try:
            for name in OLD_CUSTOMERS:
                answer = stack.node_script(
                    STOREFRONT,
                    {
                        "action": "register",
                        "base": before.url,
                        "key": seeded["publishable_key"],
                        "email": old_email(name),
                        "password": OLD_PASSWORD,
                        "first_name": name,
                    },
                )
                assert answer["ok"], answer
        finally:
            before.stop()

        token = secrets.token_hex(24)
        cognito_settings = stack.cognito_settings(moto_endpoint)
        hashless_env = stack.hashless_env(
            database_url,
            token,
            cognito_settings,
            HASHLESS_LOGIN_FAILURE_FLOOR_MS="0",
            # moto is the pool here: no per-host Cognito quota of hashless' own in the way.
            HASHLESS_COGNITO_RATE_AUTH="0",
            HASHLESS_COGNITO_RATE_CREATE="0",
            HASHLESS_COGNITO_RATE_RECOVERY="0",
            HASHLESS_COGNITO_RATE_UPDATE="0",
        )
        hashless = stack.start_hashless(hashless_env)
        outbox = tmp_path_factory.mktemp("outbox") / "mail.jsonl"
        medusa_env = stack.medusa_env(
            database_url,
            hashless_url=hashless.url,
            provider_token=token,
            outbox=outbox,
            HASHLESS_TIMEOUT_MS="60000",  # 50 first logins queue for scrypt on 2 cores
        )
        medusa = stack.start_medusa(medusa_env)
        engine = create_engine(database_url.replace("postgres://", "postgresql+psycopg://", 1))
        cognito = boto3.client(
            "cognito-idp",
            region_name=cognito_settings["COGNITO_REGION"],
            endpoint_url=moto_endpoint,
            aws_access_key_id=EMULATOR_CREDENTIALS.access_key_id,
            aws_secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
        )
        try:
            yield MedusaStore(
                medusa=medusa,
                hashless=hashless,
                hashless_env=hashless_env,
                medusa_env=medusa_env,
                database=engine,
                seeded=seeded,
                cognito=cognito,
                pool_id=cognito_settings["COGNITO_USER_POOL_ID"],
                outbox=outbox,
            )
        finally:
            medusa.stop()
            hashless.stop()
            engine.dispose()
            if os.environ.get("HASHLESS_KEEP_LOGS"):
                print(f"medusa log: {medusa.log}\nhashless log: {hashless.log}")
