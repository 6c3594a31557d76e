"""Everything ``hashless serve`` starts when no Cognito pool is configured."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from hashless.config import Settings
from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import provision_pool
from hashless.demo.emulator import EMULATOR_CREDENTIALS, running_emulator
from hashless.errors import ConfigurationError
from hashless.identity import new_customer_id
from hashless.service.context import ServiceContext
from hashless.service.reset_delivery import LogDelivery, NoDelivery, ResetDelivery
from hashless.service.wiring import build_context, reset_delivery_for
from hashless.storage import CustomerRepository, Database, LegacyCustomer

__all__ = ["DEMO_CUSTOMERS", "DEMO_PASSWORD", "DemoInfo", "demo_context"]

DEMO_PASSWORD = "demo-password"
DEMO_REGION = "us-east-1"

# Made by the npm package scrypt-kdf 4.0.0, as Medusa v1 and v2 store them:
#   Scrypt.kdf("demo-password", {logN: 1, r: 1, p: 1}) and {logN: 15, r: 8, p: 1}
DEMO_CUSTOMERS = (
    LegacyCustomer(
        email="legacy-v1@example.com",
        first_name="Legacy",
        last_name="Medusa v1",
        legacy_format="medusa-v1",
        legacy_hash="c2NyeXB0AAEAAAABAAAAAdvP6zWvJT3uFeFrpMqob9q4JrgH86U3CI91n11sfiOmKjA6z+K9y2"
        "+KFrwng0mrmQtC2bb50PZq6xAjbkjtEdHb8BEjupVOsx6G8ti62825",
    ),
    LegacyCustomer(
        email="legacy-v2@example.com",
        first_name="Legacy",
        last_name="Medusa v2",
        legacy_format="medusa-v2",
        legacy_hash="c2NyeXB0AA8AAAAIAAAAAUJCCdssrwBZMvf7/6De88Ja1dGjjpH5Y4n57GR3FDYQkScC62xLlZ"
        "bgXV0HUYSfLqKqTodD+Hyf+ZtBs6GsUe0Z6k6qArPEdjG+crYIz/Jp",
    ),
)


@dataclass(frozen=True)
class DemoInfo:
    endpoint: str
    user_pool_id: str
    database_path: str
    admin_token: str
    reset_delivery: str
    """Where reset tokens go, in words (never a URL's credentials or path)."""

    def banner(self, port: int) -> str:
        base = f"http://localhost:{port}"
        token = self.admin_token
        login = (
            f"curl -si {base}/store/auth -H 'content-type: application/json' "
            f'-d \'{{"email":"legacy-v1@example.com","password":"{DEMO_PASSWORD}"}}\''
        )
        stats = f"curl -s {base}/admin/credentials/stats -H 'x-medusa-access-token: {token}'"
        return f"""
  hashless LOCAL DEMO: nothing here is kept.
    Cognito   in-process emulator (moto) at {self.endpoint}, pool {self.user_pool_id}
    Database  throw-away SQLite at {self.database_path}
    Both are discarded when hashless stops. For a real pool, set COGNITO_USER_POOL_ID,
    COGNITO_CLIENT_ID and HASHLESS_DATABASE_URL (see `hashless provision`).

  Legacy customers, password "{DEMO_PASSWORD}":
    legacy-v1@example.com   Medusa v1 hash (scrypt, N = 2)
    legacy-v2@example.com   Medusa v2 hash (scrypt, N = 2^15)
  Admin token: {token}
  Reset tokens: {self.reset_delivery}

  Watch a migration:
    {stats}
    {login}
    {stats}
  Dashboard: {base}/admin (sign in with the admin token)   API docs: {base}/docs
"""


def _demo_delivery(settings: Settings) -> tuple[ResetDelivery, str]:
    """The configured webhook or SMTP server, as outside the demo; else the log."""
    delivery = reset_delivery_for(settings)
    if isinstance(delivery, NoDelivery):
        return LogDelivery(), (
            "printed in this log (DEMO ONLY); set HASHLESS_RESET_WEBHOOK_URL or "
            "HASHLESS_SMTP_HOST to send them instead"
        )
    if settings.reset_webhook_url:
        url = urlsplit(settings.reset_webhook_url)
        host = url.netloc.rpartition("@")[2]  # the URL's credentials stay out of the banner
        return delivery, f"POSTed to the webhook at {url.scheme}://{host}"
    return delivery, f"emailed through SMTP at {settings.smtp_host}"


@contextmanager
def demo_context(settings: Settings) -> Iterator[tuple[ServiceContext, DemoInfo]]:
    """An emulator, a pool made as ``provision`` makes one, a seeded temporary database."""
    if settings.database_url:
        raise ConfigurationError(
            "HASHLESS_DATABASE_URL is set but no Cognito pool is: the demo's in-process "
            "emulator forgets every password at exit, which would leave that database's "
            "customers without one. Set COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID, or "
            "unset HASHLESS_DATABASE_URL to run the throw-away demo"
        )
    delivery, delivery_words = _demo_delivery(settings)
    with (
        running_emulator() as endpoint,
        tempfile.TemporaryDirectory(prefix="hashless-demo-") as tmp,
    ):
        client = make_cognito_client(
            region=DEMO_REGION,
            endpoint_url=endpoint,
            max_pool_connections=settings.concurrency,
            access_key_id=EMULATOR_CREDENTIALS.access_key_id,
            secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
        )
        pool = provision_pool(client, pool_name="hashless-demo")
        store = CognitoCredentialStore(
            client,
            user_pool_id=pool.user_pool_id,
            client_id=pool.client_id,
            client_secret=pool.client_secret,
        )
        database_path = f"{tmp}/demo.db"
        db = Database.connect(f"sqlite:///{database_path}")
        CustomerRepository(db.sessions_factory).insert_legacy(DEMO_CUSTOMERS, new_customer_id)
        context = build_context(
            settings, store=store, db=db, reset_delivery=delivery, cookie_secure=False
        )
        if context.admin_token is None:
            context.admin_token = secrets.token_urlsafe(24)
        try:
            yield (
                context,
                DemoInfo(
                    endpoint, pool.user_pool_id, database_path, context.admin_token, delivery_words
                ),
            )
        finally:
            db.engine.dispose()
