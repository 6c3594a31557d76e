"""Operations in medusa-v1 mode: import refused, status and doctor on Medusa's store."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import jwt
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from hashless.cli.main import main
from hashless.config import Settings
from hashless.legacy import default_registry
from hashless.ops.findings import Status
from hashless.ops.status import collect_status
from hashless.platforms.medusa_v1.doctor import PROBE_CUSTOMER_ID, medusa_v1_checks
from hashless.storage import Database

from .conftest import AddMedusa

pytestmark = pytest.mark.postgres

MEDUSA_SECRET = "the-medusa-jwt-secret-of-this-test-store"


@pytest.fixture
def medusa_env(monkeypatch: pytest.MonkeyPatch, medusa_v1_database: str) -> None:
    for name, value in {
        "HASHLESS_PLATFORM": "medusa-v1",
        "HASHLESS_DATABASE_URL": medusa_v1_database,
        "HASHLESS_MEDUSA_URL": "http://medusa.test",
        "HASHLESS_MEDUSA_JWT_SECRET": MEDUSA_SECRET,
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("source", [["--from", "medusa-v1", "postgresql://medusa"], ["c.csv"]])
def test_import_is_refused_and_says_why(
    medusa_env: None, source: list[str], tmp_path: Path, medusa_v1_db: Database
) -> None:
    """On a Medusa store `hashless import` copies nothing, with a message saying why."""
    (tmp_path / "c.csv").write_text("email,password_hash\na@b.co,x\n")
    result = CliRunner().invoke(main, ["import", *source], catch_exceptions=False)
    assert result.exit_code != 0
    assert "would copy their hashes" in result.output and "Nothing to import" in result.output
    assert medusa_v1_db.customers.credential_stats().total == 0


def test_status_counts_medusas_customers(
    client: TestClient, add_medusa: AddMedusa, medusa_v1_db: Database
) -> None:
    """`hashless status` on Medusa's table: accounts by state, Medusa's hashes weak,
    today's migration in the history."""
    add_medusa("ann@example.com", "ann password")
    add_medusa("bob@example.com", "bob password")
    add_medusa("guest@example.com", "guest password", has_account=False)
    client.post("/store/auth", json={"email": "bob@example.com", "password": "bob password"})
    report = collect_status(medusa_v1_db, default_registry(), days=2)
    assert (report.accounts, report.legacy, report.cognito, report.none) == (2, 1, 1, 0)
    assert report.weak == 1
    assert [(e.format, e.legacy, e.weak) for e in report.exposure] == [("medusa-v1", 1, 1)]
    assert report.history[-1].migrated == 1 and report.history[-1].migrations == 1


def _fake_medusa(secret: str) -> httpx.MockTransport:
    """Medusa's /health and its store-bearer check: a token it can verify for a customer
    it does not have is a 404, any other token a 401."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, text="OK")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return httpx.Response(401, text="Unauthorized")
        assert claims["domain"] == "store" and claims["customer_id"] == PROBE_CUSTOMER_ID
        return httpx.Response(404, json={"type": "not_found", "message": "Customer not found"})

    return httpx.MockTransport(handle)


def _settings(url: str, secret: str) -> Settings:
    return Settings(
        HASHLESS_PLATFORM="medusa-v1",
        HASHLESS_DATABASE_URL=url,
        HASHLESS_MEDUSA_URL="http://medusa.test",
        HASHLESS_MEDUSA_JWT_SECRET=secret,
    )


def test_doctor_accepts_a_medusa_store_with_the_right_secret(
    medusa_v1_db: Database, medusa_v1_database: str
) -> None:
    """Database with Medusa's schema, state schema current, Medusa up, secret accepted."""
    findings = medusa_v1_checks(
        _settings(medusa_v1_database, MEDUSA_SECRET), transport=_fake_medusa(MEDUSA_SECRET)
    )
    assert [(f.check, f.status) for f in findings] == [
        ("medusa.schema", Status.OK),
        ("database", Status.OK),
        ("medusa.url", Status.OK),
        ("medusa.jwt-secret", Status.OK),
    ]


def test_doctor_finds_a_wrong_secret_and_a_database_that_is_not_medusas(
    medusa_v1_db: Database, postgres_database: str
) -> None:
    """A secret Medusa refuses is a failure naming the setting; hashless' own database is
    no Medusa v1 schema; neither finding shows the secret."""
    findings = medusa_v1_checks(
        _settings(postgres_database, "not-the-secret-medusa-was-started-with"),
        transport=_fake_medusa(MEDUSA_SECRET),
    )
    by_check = {f.check: f for f in findings}
    assert by_check["medusa.schema"].status is Status.FAIL
    assert by_check["medusa.jwt-secret"].status is Status.FAIL
    assert "HASHLESS_MEDUSA_JWT_SECRET" in by_check["medusa.jwt-secret"].summary
    assert all(
        "not-the-secret-medusa-was-started-with" not in f"{f.summary} {f.fix}" for f in findings
    )


def test_doctor_says_when_medusa_does_not_answer(medusa_v1_database: str) -> None:
    """An unreachable Medusa is a failure with the fix; the secret is then not probed."""

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    findings = medusa_v1_checks(
        _settings(medusa_v1_database, MEDUSA_SECRET), transport=httpx.MockTransport(down)
    )
    assert [f.check for f in findings if f.status is Status.FAIL] == ["medusa.url"]
    assert "medusa.jwt-secret" not in {f.check for f in findings}


def test_doctor_warns_about_medusas_fallback_secret(medusa_v1_database: str) -> None:
    """Medusa's own fallback secret works, and doctor says why it must not stay."""
    with pytest.warns(Warning):  # PyJWT's own warning about the short key
        findings = medusa_v1_checks(
            _settings(medusa_v1_database, "supersecret"), transport=_fake_medusa("supersecret")
        )
    (secret,) = [f for f in findings if f.check == "medusa.jwt-secret"]
    assert secret.status is Status.WARN and "short" in secret.summary


def test_status_command_reads_medusas_customers(
    medusa_env: None, add_medusa: AddMedusa, medusa_v1_db: Database
) -> None:
    """`hashless status --json` in medusa-v1 mode counts Medusa's accounts."""
    import json

    add_medusa("ann@example.com", "ann password")
    add_medusa("guest@example.com", "guest password", has_account=False)
    result = CliRunner().invoke(main, ["status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["accounts"], report["legacy"], report["weak"]) == (1, 1, 1)


def test_dashboard_shows_medusas_customers(client: TestClient, add_medusa: AddMedusa) -> None:
    """The admin dashboard's tiles count Medusa's accounts and their hashes left."""
    from tests.service.conftest import ADMIN_TOKEN

    add_medusa("ann@example.com", "ann password")
    add_medusa("bob@example.com", "bob password")
    client.post(
        "/admin/login",
        content=f"token={ADMIN_TOKEN}",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    page = client.get("/admin").text
    assert re.search(r'id="legacy-left">2<', page) and re.search(r'id="weak-left">2<', page)
    assert "<td>medusa-v1</td>" in page
