"""``harden_hashes``: weak hashes at rest wrapped in Argon2id, everyone still logs in."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.importing import import_customers, open_source
from hashless.legacy import HardenedVerifier, VerifierRegistry, default_registry
from hashless.legacy.scrypt_kdf import MedusaV1Verifier
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.reset_delivery import NoDelivery
from hashless.storage import Database
from hashless.storage.hardening import harden_hashes
from tests.importing.conftest import table
from tests.importing.medusa import customer_rows, write_csv
from tests.legacy.helpers import load

ADMIN_TOKEN = "admin-token-for-harden-tests-0123"


@pytest.fixture(scope="module")
def registry() -> VerifierRegistry:
    return default_registry()


@pytest.fixture
def customers(tmp_path: Path, db: Database, registry: VerifierRegistry) -> list[dict[str, str]]:
    """Medusa v1 customers ``password-<n>``, imported."""
    rows = customer_rows(12)
    path = write_csv(tmp_path / "c.csv", rows)
    import_customers(db, open_source(str(path), None), registry)
    return rows


def _engine(
    db: Database, registry: VerifierRegistry
) -> tuple[MigrationEngine, InMemoryCredentialStore]:
    store = InMemoryCredentialStore()
    return MigrationEngine(db.records, store, registry), store


def test_after_harden_no_value_verifies_as_medusa_v1_and_everyone_migrates(
    db: Database, registry: VerifierRegistry, customers: list[dict[str, str]]
) -> None:
    """The Done-when: nothing in the table verifies with Medusa v1's algorithm alone, and
    every customer logs in with the original password and moves to the credential store."""
    summary = harden_hashes(db, registry, batch_size=5)
    assert (summary.hardened, summary.remaining_weak, summary.changed) == (12, 0, 0)
    medusa_v1 = MedusaV1Verifier()
    stored = table(db)
    for n, row in enumerate(customers):
        value = stored[row["id"]]["legacy_hash"]
        assert stored[row["id"]]["legacy_format"] == "hardened"
        assert stored[row["id"]]["legacy_weak"] is False
        assert not medusa_v1.identify(value)
        assert not registry.verify(f"password-{n}", value, format_name="medusa-v1")
        # Neither the scrypt-kdf value nor its HMAC (what a guess is checked against) is left.
        hmac_part = base64.b64decode(row["password_hash"])[64:]
        assert row["password_hash"] not in value
        assert base64.b64encode(hmac_part).decode()[:40] not in value
        assert hmac_part.hex() not in value
    engine, store = _engine(db, registry)
    for n, row in enumerate(customers):
        assert engine.login(row["email"], f"password-{n}").state.value == "cognito"
        assert store.password_of(row["id"]) == f"password-{n}"


def test_harden_is_resumable_and_a_second_run_changes_nothing(
    db: Database, registry: VerifierRegistry, customers: list[dict[str, str]]
) -> None:
    """Stopped part way (``limit``), it continues where it stopped; once done, it is a no-op."""
    first = harden_hashes(db, registry, batch_size=4, limit=5)
    assert (first.hardened, first.remaining_weak) == (5, 7)
    second = harden_hashes(db, registry, batch_size=4)
    assert (second.hardened, second.remaining_weak) == (7, 0)
    done = table(db)
    third = harden_hashes(db, registry)
    assert (third.examined, third.hardened) == (0, 0)
    assert table(db) == done


def test_an_interrupted_run_keeps_every_finished_batch(
    db: Database,
    registry: VerifierRegistry,
    customers: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash in the third batch loses only that batch; the rerun finishes the rest."""
    wrapper = registry.get("hardened")
    assert isinstance(wrapper, HardenedVerifier)
    real_wrap = wrapper.wrap
    calls = 0

    def crash_on_ninth(*args: object) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 9:
            raise RuntimeError("killed")
        return real_wrap(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(wrapper, "wrap", crash_on_ninth)
    with pytest.raises(RuntimeError):
        harden_hashes(db, registry, batch_size=4, workers=1)
    assert db.customers.credential_stats().weak == 4
    monkeypatch.setattr(wrapper, "wrap", real_wrap)
    assert harden_hashes(db, registry).hardened == 4
    assert db.customers.credential_stats().weak == 0


def test_a_customer_migrating_meanwhile_is_left_in_cognito(
    db: Database,
    registry: VerifierRegistry,
    customers: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compare-and-set: a row that migrated while being wrapped keeps no legacy hash."""
    engine, store = _engine(db, registry)
    wrapper = registry.get("hardened")
    assert isinstance(wrapper, HardenedVerifier)
    real_wrap = wrapper.wrap

    def migrate_first_then_wrap(format_name: str, encoded: str, cost: object) -> str | None:
        if encoded == customers[0]["password_hash"]:
            engine.login(customers[0]["email"], "password-0")
        return real_wrap(format_name, encoded, cost)  # type: ignore[arg-type]

    monkeypatch.setattr(wrapper, "wrap", migrate_first_then_wrap)
    summary = harden_hashes(db, registry, workers=1)
    assert (summary.hardened, summary.changed) == (11, 1)
    first = table(db)[customers[0]["id"]]
    assert (first["credential_state"], first["legacy_hash"]) == ("cognito", None)
    assert store.password_of(customers[0]["id"]) == "password-0"


def test_a_login_racing_harden_verifies_again_and_migrates(
    db: Database,
    registry: VerifierRegistry,
    customers: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hash changes between the engine's check and its lock: it checks the new one."""
    hardened = registry.get("hardened")
    assert isinstance(hardened, HardenedVerifier)
    checked: list[str] = []
    real_verify = hardened.verify

    def spy(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return real_verify(password, encoded)

    monkeypatch.setattr(hardened, "verify", spy)

    class HardensDuringVerify(MedusaV1Verifier):
        ran = False

        def verify(self, password: str, encoded: str) -> bool:
            matched = super().verify(password, encoded)
            if not self.ran:
                self.ran = True
                harden_hashes(db, registry, workers=1)
            return matched

    racing = VerifierRegistry(
        [HardensDuringVerify(), *(registry.get(n) for n in registry.names if n != "medusa-v1")]  # type: ignore[misc]
    )
    engine = MigrationEngine(db.records, InMemoryCredentialStore(), racing)
    assert engine.login(customers[3]["email"], "password-3").state.value == "cognito"
    assert len(checked) == 1 and checked[0].startswith("hashless-hardened$medusa-v1$")


def test_weak_hashes_that_cannot_be_wrapped_are_reported_and_kept(
    tmp_path: Path, db: Database, registry: VerifierRegistry
) -> None:
    """bcrypt at cost 4 is weak but has no recomputable digest: left, flagged, reported."""
    weak_bcrypt = next(v for v in load("bcrypt_php.json") if v.encoded.startswith("$2y$04$"))
    strong = next(v for v in load("argon2_php.json") if "m=65536" in v.encoded)
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"id": "cus_b", "email": "b@example.com", "password_hash": weak_bcrypt.encoded})
        + "\n"
        + json.dumps({"id": "cus_a", "email": "a@example.com", "password_hash": strong.encoded})
    )
    import_customers(db, open_source(str(path), None), registry)
    before = table(db)
    summary = harden_hashes(db, registry)
    assert dict(summary.unwrappable) == {"bcrypt": 1}
    # The Argon2id hash was judged strong at import, so harden does not even look at it.
    assert (summary.examined, summary.hardened, summary.remaining_weak) == (1, 0, 1)
    assert table(db)["cus_b"]["legacy_hash"] == before["cus_b"]["legacy_hash"]
    assert table(db)["cus_a"]["legacy_hash"] == before["cus_a"]["legacy_hash"]


def test_unjudged_rows_are_judged_and_flagged(db: Database, registry: VerifierRegistry) -> None:
    """Rows written without a strength flag get one; unknown formats are reported as such."""
    vector = next(v for v in load("phpass_php.json"))
    with db.engine.begin() as connection:
        for customer_id, fmt, encoded in [
            ("cus_p", "phpass", vector.encoded),
            ("cus_u", None, "something-unknown"),
        ]:
            connection.exec_driver_sql(
                "INSERT INTO customer (id, email, email_key, has_account, credential_state,"
                " legacy_format, legacy_hash, credential_blocked, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'legacy', ?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                if db.engine.dialect.name == "sqlite"
                else "INSERT INTO customer (id, email, email_key, has_account, credential_state,"
                " legacy_format, legacy_hash, credential_blocked, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 'legacy', %s, %s, %s, now(), now())",
                (
                    customer_id,
                    f"{customer_id}@x.co",
                    f"{customer_id}@x.co",
                    True,
                    fmt,
                    encoded,
                    False,
                ),
            )
    assert db.customers.credential_stats().weak == 0  # not judged yet
    summary = harden_hashes(db, registry)
    assert (summary.hardened, dict(summary.unknown)) == (1, {"undetected": 1})
    engine, _ = _engine(db, registry)
    assert engine.login("cus_p@x.co", vector.password).state.value == "cognito"


def test_dry_run_changes_nothing(
    db: Database, registry: VerifierRegistry, customers: list[dict[str, str]]
) -> None:
    """A dry run counts what it would wrap and leaves every row as it was."""
    before = table(db)
    summary = harden_hashes(db, registry, dry_run=True)
    assert (summary.hardened, summary.remaining_weak) == (12, 12)
    assert table(db) == before


@pytest.fixture
def client(db: Database, registry: VerifierRegistry) -> Iterator[TestClient]:
    """The service with the real registry, so stored hashes are judged for real."""
    context = ServiceContext(
        engine=MigrationEngine(db.records, InMemoryCredentialStore(), registry),
        db=db,
        reset_delivery=NoDelivery(),
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    with TestClient(create_app(context)) as test_client:
        yield test_client


def test_stats_count_weak_hashes_until_harden_and_logins_still_work(
    client: TestClient, customers: list[dict[str, str]], db: Database, registry: VerifierRegistry
) -> None:
    """``/admin/credentials/stats`` shows the weak hashes; after harden, none, and the store
    login of a hardened customer answers 200 and migrates them."""
    headers = {"x-medusa-access-token": ADMIN_TOKEN}
    stats = client.get("/admin/credentials/stats", headers=headers).json()
    assert (stats["legacy"], stats["weak"]) == (12, 12)
    harden_hashes(db, registry)
    stats = client.get("/admin/credentials/stats", headers=headers).json()
    assert (stats["legacy"], stats["weak"]) == (12, 0)
    response = client.post(
        "/store/auth", json={"email": customers[2]["email"], "password": "password-2"}
    )
    assert response.status_code == 200
    wrong = client.post(
        "/store/auth", json={"email": customers[2]["email"], "password": "password-2x"}
    )
    assert wrong.status_code == 401
    stats = client.get("/admin/credentials/stats", headers=headers).json()
    assert (stats["legacy"], stats["cognito"], stats["weak"]) == (11, 1, 0)
