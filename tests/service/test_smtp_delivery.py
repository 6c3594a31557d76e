"""Reset emails by SMTP, received and parsed by a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from hashless.config import Settings
from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import ConfigurationError
from hashless.service import create_app
from hashless.service.reset_delivery import ResetEvent
from hashless.service.smtp_delivery import SmtpDelivery
from hashless.service.wiring import build_context, reset_delivery_for
from hashless.storage import Database

TEMPLATE = "https://shop.example/reset?token={token}&email={email}"
TOKEN = "tok+en/with=special&chars"
EVENT = ResetEvent(
    customer_id="cus_01TEST",
    email="ann+shop@example.com",
    token=TOKEN,
    expires_at=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
)


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it is sent, parsed."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """Trusts exactly the test certificate, with hostname checking on (the default)."""
    return ssl.create_default_context(cafile=str(certificate[0]))


Smtpd = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def smtpd() -> Iterator[Smtpd]:
    """Start an aiosmtpd server on 127.0.0.1 with the given options; stopped after the test."""
    controllers: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        inbox, port = Inbox(), _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def _link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    (line,) = [x for x in body.get_content().splitlines() if x.startswith("https://")]
    return line


def test_a_plain_relay_receives_the_link_with_the_token_url_encoded(smtpd: Smtpd) -> None:
    """Sender, recipient, subject, and a link whose token and email survive URL encoding."""
    inbox, port = smtpd()
    SmtpDelivery(
        host="127.0.0.1", port=port, tls="none", sender="shop@example.com", url_template=TEMPLATE
    ).deliver(EVENT)
    ((mail_from, rcpt_tos, message),) = inbox.messages
    assert (mail_from, rcpt_tos) == ("shop@example.com", ["ann+shop@example.com"])
    assert message["Subject"] == "Reset your password"
    assert message["To"] == "ann+shop@example.com"
    link = _link(message)
    assert link.startswith("https://shop.example/reset?token=tok%2Ben%2Fwith%3Dspecial%26chars&")
    query = parse_qs(urlsplit(link).query)
    assert query == {"token": [TOKEN], "email": ["ann+shop@example.com"]}
    html = message.get_body(("html",))
    assert (
        html is not None and 'href="https://shop.example/reset?token=tok%2Ben' in html.get_content()
    )
    assert "&amp;email=ann%2Bshop%40example.com" in html.get_content()


def test_starttls_and_login(
    smtpd: Smtpd, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    """Submission with STARTTLS and AUTH: the server requires both and accepts the message."""
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"smtp-secret")

    inbox, port = smtpd(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    SmtpDelivery(
        host="127.0.0.1",
        port=port,
        tls="starttls",
        sender="shop@example.com",
        url_template=TEMPLATE,
        username="mailer",
        password="smtp-secret",
        ssl_context=client_tls,
    ).deliver(EVENT)
    assert logins == [(b"mailer", b"smtp-secret")]
    assert len(inbox.messages) == 1


def test_implicit_tls(smtpd: Smtpd, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    """tls mode talks TLS from the first byte (port 465 style)."""
    inbox, port = smtpd(ssl_context=server_tls)
    SmtpDelivery(
        host="127.0.0.1",
        port=port,
        tls="tls",
        sender="shop@example.com",
        url_template=TEMPLATE,
        ssl_context=client_tls,
    ).deliver(EVENT)
    assert len(inbox.messages) == 1


def test_an_untrusted_certificate_is_refused(smtpd: Smtpd, server_tls: ssl.SSLContext) -> None:
    """With the system's CAs, the self-signed server is not trusted: nothing is sent."""
    inbox, port = smtpd(tls_context=server_tls, require_starttls=True)
    SmtpDelivery(
        host="127.0.0.1", port=port, sender="shop@example.com", url_template=TEMPLATE
    ).deliver(EVENT)
    assert inbox.messages == []


def test_failures_are_logged_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """An unreachable server: no exception, one error line with the customer id and no token."""
    caplog.set_level(logging.INFO, logger="hashless.reset")
    SmtpDelivery(
        host="127.0.0.1",
        port=_free_port(),
        tls="none",
        sender="s@example.com",
        url_template=TEMPLATE,
        timeout=2,
    ).deliver(EVENT)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert "customer_id=cus_01TEST" in record.getMessage()
    assert TOKEN not in caplog.text and "tok%2Ben" not in caplog.text


def test_reset_request_through_the_service_arrives_by_smtp(smtpd: Smtpd, db: Database) -> None:
    """POST /store/customers/password-token mails a link whose token then resets the password."""
    inbox, port = smtpd()
    settings = Settings(
        HASHLESS_SMTP_HOST="127.0.0.1",
        HASHLESS_SMTP_PORT=port,
        HASHLESS_SMTP_TLS="none",
        HASHLESS_SMTP_FROM="Shop <shop@example.com>",
        HASHLESS_RESET_URL_TEMPLATE=TEMPLATE,
        HASHLESS_LOGIN_FAILURE_FLOOR_MS=0,
    )
    store = InMemoryCredentialStore()
    context = build_context(settings, store=store, db=db, cookie_secure=False)
    assert isinstance(context.reset_delivery, SmtpDelivery)
    with TestClient(create_app(context)) as client:
        registered = client.post(
            "/store/customers", json={"email": "ann@example.com", "password": "first password"}
        )
        assert registered.status_code == 200
        assert (
            client.post(
                "/store/customers/password-token", json={"email": "ann@example.com"}
            ).status_code
            == 204
        )
        ((_, rcpt_tos, message),) = inbox.messages
        assert rcpt_tos == ["ann@example.com"] and message["From"] == "Shop <shop@example.com>"
        token = parse_qs(urlsplit(_link(message)).query)["token"][0]
        reset = client.post(
            "/store/customers/password-reset",
            json={"email": "ann@example.com", "token": token, "password": "second password"},
        )
        assert reset.status_code == 200
        login = client.post(
            "/store/auth", json={"email": "ann@example.com", "password": "second password"}
        )
        assert login.status_code == 200


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("https://shop.example/reset", "containing {token}"),
        ("ftp://shop.example/{token}", "http(s) URL"),
        ("https://shop.example/{token}/{customer}", "only the placeholders"),
    ],
)
def test_the_reset_url_template_is_checked(template: str, message: str) -> None:
    """A template without {token}, not http(s), or with unknown placeholders is refused at start."""
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings(HASHLESS_RESET_URL_TEMPLATE=template)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"HASHLESS_RESET_WEBHOOK_URL": "https://hooks.example/reset"}, "unset one of them"),
        ({"HASHLESS_SMTP_FROM": None}, "HASHLESS_SMTP_FROM"),
        (
            {
                "HASHLESS_SMTP_TLS": "none",
                "HASHLESS_SMTP_USERNAME": "u",
                "HASHLESS_SMTP_PASSWORD": "p",
            },
            "in clear",
        ),
    ],
    ids=["webhook-and-smtp", "no-sender", "password-in-clear"],
)
def test_smtp_settings_that_cannot_work_stop_start_up(
    options: dict[str, Any], message: str
) -> None:
    """Both deliveries, no sender, or a password over a clear connection: a ConfigurationError."""
    base = {
        "HASHLESS_SMTP_HOST": "smtp.example.com",
        "HASHLESS_SMTP_FROM": "shop@example.com",
        "HASHLESS_RESET_URL_TEMPLATE": TEMPLATE,
    }
    with pytest.raises(ConfigurationError, match=message):
        reset_delivery_for(Settings(**(base | options)))
