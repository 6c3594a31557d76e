"""Settings from the environment and a ``.env`` file.

Names keep the original plugin's ``COGNITO_*`` variables; hashless' own are
``HASHLESS_*``. :func:`load_settings` turns every problem into one
``ConfigurationError`` line that names the setting and the fix.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hashless.errors import ConfigurationError

__all__ = ["PLATFORMS", "CognitoSettings", "Platform", "Settings", "load_settings"]

Platform = Literal["standalone", "medusa-v1", "medusa-v2"]
"""Where customers live: hashless' own table, or a store's database beside it."""

PLATFORMS: tuple[Platform, ...] = ("standalone", "medusa-v1", "medusa-v2")

_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+$")


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class CognitoSettings(BaseSettings):
    """Where the user pool is and how to reach it."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    region: str | None = Field(default=None, validation_alias=_env("COGNITO_REGION"))
    user_pool_id: str | None = Field(default=None, validation_alias=_env("COGNITO_USER_POOL_ID"))
    client_id: str | None = Field(default=None, validation_alias=_env("COGNITO_CLIENT_ID"))
    client_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("COGNITO_CLIENT_SECRET")
    )
    access_key_id: str | None = Field(default=None, validation_alias=_env("COGNITO_ACCESS_KEY_ID"))
    secret_access_key: SecretStr | None = Field(
        default=None, validation_alias=_env("COGNITO_SECRET_ACCESS_KEY")
    )
    endpoint_url: str | None = Field(default=None, validation_alias=_env("COGNITO_ENDPOINT_URL"))

    @property
    def configured(self) -> bool:
        """True if any pool setting is given: then all of them must be right."""
        return bool(self.user_pool_id or self.client_id)

    def check(self) -> None:
        if not self.user_pool_id:
            raise ConfigurationError(
                "COGNITO_USER_POOL_ID is not set: set it to the pool id "
                "(like eu-west-1_AbC123, shown on the pool's overview page)"
            )
        match = _POOL_ID.match(self.user_pool_id)
        if match is None:
            raise ConfigurationError(
                f"COGNITO_USER_POOL_ID={self.user_pool_id!r} is not a pool id: give the id "
                "(like eu-west-1_AbC123), not the pool's name"
            )
        if not self.client_id:
            raise ConfigurationError(
                "COGNITO_CLIENT_ID is not set: set it to the app client id of the pool "
                "(App integration > App clients)"
            )
        if self.region is None:
            self.region = match["region"]
        elif self.region != match["region"]:
            raise ConfigurationError(
                f"COGNITO_REGION={self.region} but the pool id is in {match['region']}: "
                "set COGNITO_REGION to the pool's region or leave it unset"
            )
        if bool(self.access_key_id) != bool(self.secret_access_key):
            raise ConfigurationError(
                "COGNITO_ACCESS_KEY_ID and COGNITO_SECRET_ACCESS_KEY go together: set both, "
                "or neither to use the default AWS credential chain (profile, role)"
            )


class Settings(BaseSettings):
    """hashless' own settings."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    platform: Platform = Field(default="standalone", validation_alias=_env("HASHLESS_PLATFORM"))
    """``standalone``: hashless' own customer table. ``medusa-v1``: Medusa v1's own
    ``customer`` table in HASHLESS_DATABASE_URL (Medusa's database), hashless' state
    beside it in the schema HASHLESS_STATE_SCHEMA."""
    database_url: str | None = Field(default=None, validation_alias=_env("HASHLESS_DATABASE_URL"))
    state_schema: str = Field(
        default="hashless",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        validation_alias=_env("HASHLESS_STATE_SCHEMA"),
    )
    """The PostgreSQL schema of hashless' own tables in a store's database (not standalone)."""
    medusa_url: str | None = Field(default=None, validation_alias=_env("HASHLESS_MEDUSA_URL"))
    """The Medusa server hashless stands in front of (``medusa-v1``)."""
    medusa_jwt_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("HASHLESS_MEDUSA_JWT_SECRET")
    )
    """Medusa's ``projectConfig.jwt_secret``: signs the short-lived tokens hashless mints."""
    provider_token: SecretStr | None = Field(
        default=None, validation_alias=_env("HASHLESS_PROVIDER_TOKEN")
    )
    """The secret Medusa v2's auth provider sends (``medusa-v2``); its routes refuse any other."""
    medusa_v2_admins: bool = Field(
        default=False, validation_alias=_env("HASHLESS_MEDUSA_V2_ADMINS")
    )
    """Move Medusa v2 admin users' passwords too (off: their identities stay Medusa's)."""
    admin_token: SecretStr | None = Field(
        default=None, validation_alias=_env("HASHLESS_ADMIN_TOKEN")
    )
    store_cors: str | None = Field(default=None, validation_alias=_env("HASHLESS_STORE_CORS"))
    """Origins whose pages may use the store API with cookies, in Medusa's ``store_cors``
    format: comma-separated origins, or ``/regex/`` entries."""
    allow_email_lookup: bool = Field(
        default=False, validation_alias=_env("HASHLESS_ALLOW_EMAIL_LOOKUP")
    )
    reset_webhook_url: str | None = Field(
        default=None, validation_alias=_env("HASHLESS_RESET_WEBHOOK_URL")
    )
    concurrency: int = Field(
        default=64, ge=1, le=1024, validation_alias=_env("HASHLESS_CONCURRENCY")
    )
    """Requests one worker serves at once: its thread pool, Cognito and database pools."""
    legacy_verify_concurrency: int | None = Field(
        default=None, ge=1, le=1024, validation_alias=_env("HASHLESS_LEGACY_VERIFY_CONCURRENCY")
    )
    """Legacy hashes one worker checks at once (default: its CPU count); the rest wait."""
    cookie_secure: bool | None = Field(
        default=None, validation_alias=_env("HASHLESS_COOKIE_SECURE")
    )
    """Secure session cookies; defaults to on, off only in the local demo."""
    session_idle_minutes: int = Field(
        default=60 * 24, ge=1, validation_alias=_env("HASHLESS_SESSION_IDLE_MINUTES")
    )
    session_max_days: int = Field(
        default=30, ge=1, validation_alias=_env("HASHLESS_SESSION_MAX_DAYS")
    )
    reauth_minutes: int = Field(default=5, ge=0, validation_alias=_env("HASHLESS_REAUTH_MINUTES"))
    """How long a password login counts as proof for a password or email change."""
    login_failure_floor_ms: int = Field(
        default=300, ge=0, le=5000, validation_alias=_env("HASHLESS_LOGIN_FAILURE_FLOOR_MS")
    )
    """The least time a failed login takes to answer, so paths cannot be told apart."""
    cognito_rate_auth: float = Field(
        default=120, ge=0, validation_alias=_env("HASHLESS_COGNITO_RATE_AUTH")
    )
    """Cognito calls per second this host makes per quota category (0: no limit):
    UserAuthentication (logins), UserCreation, UserAccountRecovery (password sets),
    UserUpdate (email changes, deletes). Several hosts: share them through Redis
    (HASHLESS_QUOTA_REDIS_URL), or give each host quota / hosts."""
    cognito_rate_create: float = Field(
        default=50, ge=0, validation_alias=_env("HASHLESS_COGNITO_RATE_CREATE")
    )
    cognito_rate_recovery: float = Field(
        default=30, ge=0, validation_alias=_env("HASHLESS_COGNITO_RATE_RECOVERY")
    )
    cognito_rate_update: float = Field(
        default=25, ge=0, validation_alias=_env("HASHLESS_COGNITO_RATE_UPDATE")
    )
    cognito_rate_max_wait_ms: int = Field(
        default=100, ge=0, le=5000, validation_alias=_env("HASHLESS_COGNITO_RATE_MAX_WAIT_MS")
    )
    """How long a call may wait for its quota before it is refused with 503."""
    cognito_rate_file: str | None = Field(
        default=None, validation_alias=_env("HASHLESS_COGNITO_RATE_FILE")
    )
    """The file every worker on this host shares its quota through; default in /dev/shm."""
    quota_redis_url: SecretStr | None = Field(
        default=None, validation_alias=_env("HASHLESS_QUOTA_REDIS_URL")
    )
    """Redis that every worker on every host shares the Cognito rates through (unset: the
    file above, one budget per host). A secret: the URL may hold Redis' password."""
    quota_redis_key: str | None = Field(
        default=None, validation_alias=_env("HASHLESS_QUOTA_REDIS_KEY")
    )
    """The buckets' key prefix in Redis; default ``hashless:quota:<pool id>``."""
    trusted_proxies: str | None = Field(
        default=None, validation_alias=_env("HASHLESS_TRUSTED_PROXIES")
    )
    """Addresses or networks of the proxies in front of hashless, comma-separated
    (``10.0.0.0/8,192.0.2.7``; ``*``: any), whose ``X-Forwarded-For`` names the client.
    Unset: the header is ignored and the client is the connection's address."""
    keep_alive_seconds: int = Field(
        default=75, ge=1, le=3600, validation_alias=_env("HASHLESS_KEEP_ALIVE_SECONDS")
    )
    """How long an idle client connection stays open. Above the idle timeouts of the
    proxies in front (AWS ALB 60 s, nginx upstream keepalive 60 s), so hashless never
    closes a connection a proxy is about to reuse: that race answers the client 502."""
    cognito_connect_timeout_ms: int = Field(
        default=2000, ge=100, le=60000, validation_alias=_env("HASHLESS_COGNITO_CONNECT_TIMEOUT_MS")
    )
    cognito_read_timeout_ms: int = Field(
        default=5000, ge=100, le=60000, validation_alias=_env("HASHLESS_COGNITO_READ_TIMEOUT_MS")
    )
    """How long a Cognito call may take to connect, and then to answer."""
    cognito_write_window_seconds: float = Field(
        default=60, ge=0, le=3600, validation_alias=_env("HASHLESS_COGNITO_WRITE_WINDOW_SECONDS")
    )
    """How long after hashless gave up on a password write Cognito may still apply it:
    no other password write for that customer is sent before (503 + Retry-After)."""
    log_format: Literal["json", "text"] = Field(
        default="text", validation_alias=_env("HASHLESS_LOG_FORMAT")
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", validation_alias=_env("HASHLESS_LOG_LEVEL")
    )
    """How much the service logs; secrets stay out of the log at every level."""
    smtp_host: str | None = Field(default=None, validation_alias=_env("HASHLESS_SMTP_HOST"))
    """Send reset emails through this SMTP server (instead of the webhook)."""
    smtp_port: int | None = Field(
        default=None, ge=1, le=65535, validation_alias=_env("HASHLESS_SMTP_PORT")
    )
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="starttls", validation_alias=_env("HASHLESS_SMTP_TLS")
    )
    smtp_username: str | None = Field(default=None, validation_alias=_env("HASHLESS_SMTP_USERNAME"))
    smtp_password: SecretStr | None = Field(
        default=None, validation_alias=_env("HASHLESS_SMTP_PASSWORD")
    )
    smtp_from: str | None = Field(default=None, validation_alias=_env("HASHLESS_SMTP_FROM"))
    reset_url_template: str | None = Field(
        default=None, validation_alias=_env("HASHLESS_RESET_URL_TEMPLATE")
    )
    """The storefront's reset page, e.g. ``https://shop.example/reset?token={token}&email={email}``."""

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str | None) -> str | None:
        # Operators paste the URL their other tools use; pick the driver we ship.
        if url and url.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, level: object) -> object:
        return level.strip().lower() if isinstance(level, str) else level

    @field_validator("reset_url_template")
    @classmethod
    def _reset_link(cls, template: str | None) -> str | None:
        if template is None:
            return None
        if not template.startswith(("https://", "http://")) or "{token}" not in template:
            raise ValueError("must be an http(s) URL containing {token} (and optionally {email})")
        try:
            template.format(token="t", email="e")
        except (KeyError, IndexError, ValueError):
            raise ValueError("may contain only the placeholders {token} and {email}") from None
        return template

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries != ["*"]:
            for entry in entries:
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{entry!r} is not an IP address or network: list the proxies' "
                        "addresses or networks, comma-separated (10.0.0.0/8,192.0.2.7), or *"
                    ) from None
        return ",".join(entries)

    @property
    def proxy_settings(self) -> dict[str, Any]:
        """uvicorn's ``proxy_headers`` and ``forwarded_allow_ips`` for the trusted
        proxies, and its ``timeout_keep_alive``."""
        keep_alive = {"timeout_keep_alive": self.keep_alive_seconds}
        if self.trusted_proxies is None:
            return {"proxy_headers": False, **keep_alive}
        return {"proxy_headers": True, "forwarded_allow_ips": self.trusted_proxies, **keep_alive}

    @property
    def cognito_send_timeout(self) -> timedelta:
        """The longest a password write is sent for (the engine's ``send_timeout``):
        the Cognito adapter's three connection attempts and one read, a second spare."""
        connect, read = self.cognito_connect_timeout_ms, self.cognito_read_timeout_ms
        return timedelta(milliseconds=3 * connect + read + 1000)

    @field_validator("admin_token", "provider_token")
    @classmethod
    def _token_strength(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (try: openssl rand -hex 24)")
        return token


def load_settings() -> tuple[Settings, CognitoSettings]:
    """Read and check every setting; raise one readable ``ConfigurationError``."""
    try:
        settings = Settings()
        cognito = CognitoSettings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        # The input may be a secret: name the setting and the rule, never the value.
        raise ConfigurationError(f"{name} is invalid: {error['msg']}") from None
    if cognito.configured:
        cognito.check()
    return settings, cognito
