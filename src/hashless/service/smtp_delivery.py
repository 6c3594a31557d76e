"""Password-reset emails sent by SMTP, with the link built from ``HASHLESS_RESET_URL_TEMPLATE``.

The token travels only inside the message body: it is never logged, and a failure
is logged by the exception's class name alone (an SMTP server's reply can quote the
message back).
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal
from urllib.parse import quote

from hashless.service.reset_delivery import ResetEvent

__all__ = ["DEFAULT_PORTS", "SmtpDelivery", "TlsMode", "reset_link"]

log = logging.getLogger("hashless.reset")

TlsMode = Literal["none", "starttls", "tls"]

DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}

_SUBJECT = "Reset your password"


def reset_link(template: str, event: ResetEvent) -> str:
    """``template`` with ``{token}`` and ``{email}`` filled in, each URL-encoded."""
    return template.format(token=quote(event.token, safe=""), email=quote(event.email, safe=""))


class SmtpDelivery:
    """Sends one email per reset request through an SMTP server (submission port by default).

    ``tls``: ``starttls`` upgrades a plain connection (port 587), ``tls`` connects over
    TLS from the start (port 465), ``none`` sends in clear (a local relay only).
    ``ssl_context`` defaults to the system's trusted CAs with hostname checking.
    """

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        url_template: str,
        port: int | None = None,
        tls: TlsMode = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._port = port or DEFAULT_PORTS[tls]
        self._sender = sender
        self._template = url_template
        self._tls = tls
        self._login = (username, password) if username and password else None
        self._timeout = timeout
        self._ssl = ssl_context or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"SmtpDelivery(host={self._host!r}, port={self._port}, tls={self._tls!r})"

    def compose(self, event: ResetEvent) -> EmailMessage:
        link = reset_link(self._template, event)
        expires = event.expires_at.strftime("%H:%M UTC")
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = event.email
        message["Subject"] = _SUBJECT
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(
            "Someone asked to reset the password of your account.\n\n"
            f"To choose a new password, open this link (valid once, until {expires}):\n\n"
            f"{link}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n"
        )
        message.add_alternative(
            "<p>Someone asked to reset the password of your account.</p>"
            f'<p><a href="{html.escape(link)}">Choose a new password</a> '
            f"(valid once, until {expires}).</p>"
            "<p>If it was not you, ignore this email: your password stays as it is.</p>",
            subtype="html",
        )
        return message

    def deliver(self, event: ResetEvent) -> None:
        try:
            self._send(self.compose(event))
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            log.error(
                "reset email failed customer_id=%s error=%s", event.customer_id, type(exc).__name__
            )
        else:
            log.info("reset email sent customer_id=%s", event.customer_id)

    def _send(self, message: EmailMessage) -> None:
        smtp: smtplib.SMTP
        if self._tls == "tls":
            smtp = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=self._ssl
            )
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            if self._tls == "starttls":
                smtp.starttls(context=self._ssl)
            if self._login:
                smtp.login(*self._login)
            smtp.send_message(message)
