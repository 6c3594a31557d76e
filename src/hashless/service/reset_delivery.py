"""How a password-reset token reaches the customer: a webhook, or the demo's log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

__all__ = ["LogDelivery", "NoDelivery", "ResetDelivery", "ResetEvent", "WebhookDelivery"]

log = logging.getLogger("hashless.reset")


@dataclass(frozen=True)
class ResetEvent:
    customer_id: str
    email: str
    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"ResetEvent(customer_id={self.customer_id!r})"

    def payload(self) -> dict[str, str]:
        return {
            "event": "customer.password_reset",
            "customer_id": self.customer_id,
            "email": self.email,
            "token": self.token,
            "expires_at": self.expires_at.isoformat(),
        }


class ResetDelivery(Protocol):
    def deliver(self, event: ResetEvent) -> None: ...


class _OnlyWarnings(logging.Filter):
    """httpx logs every request's full URL at INFO: the webhook's may carry credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_ONLY_WARNINGS = _OnlyWarnings()


class WebhookDelivery:
    """POSTs the event as JSON to ``HASHLESS_RESET_WEBHOOK_URL``."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        httpx_log = logging.getLogger("httpx")
        if _ONLY_WARNINGS not in httpx_log.filters:
            httpx_log.addFilter(_ONLY_WARNINGS)
        self._url = url
        self._client = client or httpx.Client(timeout=httpx.Timeout(5.0))

    def deliver(self, event: ResetEvent) -> None:
        try:
            response = self._client.post(self._url, json=event.payload())
            response.raise_for_status()
        except httpx.HTTPError as exc:
            # The URL may embed credentials and the body holds the token: name neither.
            log.error(
                "reset webhook failed customer_id=%s error=%s",
                event.customer_id,
                type(exc).__name__,
            )
        else:
            log.info("reset webhook delivered customer_id=%s", event.customer_id)


class LogDelivery:
    """The local demo's delivery: prints the token. Never used outside the demo."""

    def deliver(self, event: ResetEvent) -> None:
        log.warning(
            "DEMO ONLY password reset token for %s: %s (expires %s)",
            event.email,
            event.token,
            event.expires_at.isoformat(timespec="seconds"),
        )


class NoDelivery:
    """No delivery configured: the request is accepted and nothing is sent."""

    def deliver(self, event: ResetEvent) -> None:
        log.error(
            "password reset requested but neither HASHLESS_RESET_WEBHOOK_URL nor "
            "HASHLESS_SMTP_HOST is set customer_id=%s",
            event.customer_id,
        )
