"""``import_customers``: files into the customer table, idempotent, never unsafe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import InvalidCredentials
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.passwords import storable_reason
from hashless.storage import Database
from hashless.storage.hardening import harden_hashes
from tests.legacy.helpers import load

from .conftest import Importer, table
from .medusa import customer_rows, medusa_v1_hash, write_csv


def test_generated_medusa_hashes_verify(registry: VerifierRegistry) -> None:
    """The test data's hashes are real Medusa v1 values (checked against the verifier)."""
    encoded = medusa_v1_hash("password-7")
    assert registry.detect(encoded) is registry.get("medusa-v1")
    assert registry.verify("password-7", encoded, format_name="medusa-v1")
    assert not registry.verify("password-8", encoded, format_name="medusa-v1")


def test_csv_rows_arrive_with_their_ids_profile_and_format(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """Ids, names, phone, metadata and created_at are kept; emails lower-cased like Medusa."""
    row = customer_rows(1)[0] | {
        "email": "Anna.Jansen@Example.COM",
        "metadata": '{"tier": "gold"}',
        "created_at": "2021-05-06 07:08:09.123+00",
    }
    path = write_csv(tmp_path / "c.csv", [row], [*row])
    summary = run_import(path)
    assert (summary.imported, summary.rows, summary.rejected_rows) == (1, 1, 0)
    assert summary.to_json()["formats"] == {"medusa-v1": {"imported": 1, "updated": 0}}
    stored = table(db)[row["id"]]
    assert stored["email"] == "anna.jansen@example.com"
    assert stored["email_key"] == "anna.jansen@example.com"
    assert (stored["first_name"], stored["last_name"], stored["phone"]) == (
        row["first_name"],
        row["last_name"],
        row["phone"],
    )
    assert stored["metadata"] == {"tier": "gold"}
    assert stored["created_at"] == datetime(2021, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    assert stored["credential_state"] == "legacy"
    assert stored["legacy_format"] == "medusa-v1"
    assert stored["legacy_hash"] == row["password_hash"]
    assert stored["legacy_weak"] is True
    assert stored["has_account"] is True


def test_every_imported_customer_logs_in_and_migrates(
    tmp_path: Path,
    db: Database,
    run_import: Importer,
    engine: MigrationEngine,
    store: InMemoryCredentialStore,
) -> None:
    """Each imported Medusa v1 customer logs in with the old password and moves to the store."""
    rows = customer_rows(25)
    run_import(write_csv(tmp_path / "c.csv", rows), batch_size=7)
    for n, row in enumerate(rows):
        record = engine.login(row["email"], f"password-{n}")
        assert record.state.value == "cognito"
        assert store.password_of(row["id"]) == f"password-{n}"
        with pytest.raises(InvalidCredentials):
            engine.login(row["email"], f"password-{n}x")
    assert all(r["legacy_hash"] is None for r in table(db).values())


def test_second_run_changes_nothing(tmp_path: Path, db: Database, run_import: Importer) -> None:
    """Importing the same file twice leaves every column of every row as it was."""
    path = write_csv(tmp_path / "c.csv", customer_rows(12))
    run_import(path, batch_size=5)
    before = table(db)
    again = run_import(path, batch_size=5)
    assert table(db) == before
    assert (again.imported, again.updated, again.rejected_rows) == (0, 0, 0)
    assert again.to_json()["skipped"] == {"unchanged": 12}


def test_rows_without_ids_get_new_ids_and_are_found_by_email_next_time(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """No id column: customers get ``cus_`` ids, and a second run matches them by email."""
    rows = customer_rows(4)
    path = write_csv(tmp_path / "c.csv", rows, ["email", "password_hash"])
    run_import(path)
    ids = set(table(db))
    assert len(ids) == 4 and all(i.startswith("cus_") for i in ids)
    assert not ids & {row["id"] for row in rows}
    again = run_import(path)
    assert set(table(db)) == ids
    assert again.to_json()["skipped"] == {"unchanged": 4}


def test_a_customer_already_in_cognito_is_never_made_legacy_again(
    tmp_path: Path, db: Database, run_import: Importer, engine: MigrationEngine
) -> None:
    """After migrating, re-importing the old export leaves the customer in Cognito."""
    rows = customer_rows(2)
    path = write_csv(tmp_path / "c.csv", rows)
    run_import(path)
    engine.login(rows[0]["email"], "password-0")
    rows[0]["password_hash"] = medusa_v1_hash("a newer password")
    again = run_import(write_csv(tmp_path / "c2.csv", rows))
    stored = table(db)[rows[0]["id"]]
    assert (stored["credential_state"], stored["legacy_hash"]) == ("cognito", None)
    assert again.to_json()["skipped"] == {"already in Cognito": 1, "unchanged": 1}


def test_never_a_second_account_for_an_email(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """An email held by another account (in any case) is rejected, not duplicated."""
    db.customers.insert_account("cus_registered", "Taken@Example.com")
    row = customer_rows(1)[0] | {"email": "TAKEN@example.COM"}
    summary = run_import(write_csv(tmp_path / "c.csv", [row]))
    assert summary.to_json()["rejected"] == {"email belongs to another account": 1}
    assert set(table(db)) == {"cus_registered"}
    no_id = run_import(write_csv(tmp_path / "d.csv", [row], ["email", "password_hash"]))
    assert no_id.to_json()["skipped"] == {"already in Cognito": 1}
    assert set(table(db)) == {"cus_registered"}


def test_duplicates_in_the_source_are_rejected_in_any_batch(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """The first row for an id or email wins; later ones are rejected, in or across batches."""
    rows = customer_rows(6)
    same_email = customer_rows(1, start=100)[0] | {"email": rows[0]["email"]}
    changed_copy = rows[5] | {"password_hash": medusa_v1_hash("other")}
    # Batches of 4: [0, 1, 2, 3], [4, 5, email of 0, copy of 1], [changed 5, copy of 5]:
    # copies of rows written by an earlier batch, and two copies within one batch.
    rows += [same_email, rows[1], changed_copy, rows[5]]
    summary = run_import(write_csv(tmp_path / "c.csv", rows), batch_size=4)
    assert summary.imported == 6
    assert summary.to_json()["rejected"] == {"duplicate in the source": 4}
    assert len(table(db)) == 6
    assert table(db)[rows[5]["id"]]["legacy_hash"] == rows[5]["password_hash"]
    assert table(db)[rows[0]["id"]]["legacy_hash"] == rows[0]["password_hash"]


def test_a_changed_hash_updates_a_legacy_customer(
    tmp_path: Path, db: Database, run_import: Importer, engine: MigrationEngine
) -> None:
    """A customer who changed the password on the old platform gets the new hash."""
    rows = customer_rows(1)
    run_import(write_csv(tmp_path / "c.csv", rows))
    rows[0]["password_hash"] = medusa_v1_hash("changed since")
    summary = run_import(write_csv(tmp_path / "c2.csv", rows))
    assert (summary.updated, summary.to_json()["formats"]["medusa-v1"]["updated"]) == (1, 1)
    with pytest.raises(InvalidCredentials):
        engine.login(rows[0]["email"], "password-0")
    assert engine.login(rows[0]["email"], "changed since").state.value == "cognito"


def test_reimport_after_harden_leaves_the_hardened_hash(
    tmp_path: Path, db: Database, run_import: Importer, registry: VerifierRegistry
) -> None:
    """A second import must not put back the weak hash that ``harden`` wrapped."""
    path = write_csv(tmp_path / "c.csv", customer_rows(2))
    run_import(path)
    harden_hashes(db, registry)
    hardened = table(db)
    assert {r["legacy_format"] for r in hardened.values()} == {"hardened"}
    again = run_import(path)
    assert table(db) == hardened
    assert again.to_json()["skipped"] == {"unchanged": 2}


def test_deleted_customers_are_not_brought_back(
    tmp_path: Path, db: Database, run_import: Importer, engine: MigrationEngine
) -> None:
    """A customer deleted in hashless stays deleted when the export is imported again."""
    rows = customer_rows(1)
    path = write_csv(tmp_path / "c.csv", rows)
    run_import(path)
    engine.delete(rows[0]["id"])
    again = run_import(path)
    assert again.to_json()["skipped"] == {"deleted or a guest in hashless": 1}
    assert table(db)[rows[0]["id"]]["deleted_at"] is not None


def test_unknown_and_malformed_hashes_are_reported_not_imported(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """Rows whose hash matches no format, or is a broken one, are rejected with the reason."""
    good, unknown, broken = customer_rows(3)
    unknown["password_hash"] = "not-a-hash-at-all"
    raw = bytearray(__import__("base64").b64decode(broken["password_hash"]))
    raw[50] ^= 1  # the header checksum no longer matches
    broken["password_hash"] = __import__("base64").b64encode(bytes(raw)).decode()
    summary = run_import(write_csv(tmp_path / "c.csv", [good, unknown, broken]))
    assert summary.to_json()["rejected"] == {
        "hash matches no known format": 1,
        "malformed medusa-v1 hash": 1,
    }
    assert summary.to_json()["rejected_rows"] == [
        {"line": 3, "id": unknown["id"], "reason": "hash matches no known format"},
        {"line": 4, "id": broken["id"], "reason": "malformed medusa-v1 hash"},
    ]
    assert set(table(db)) == {good["id"]}
    # The summary names rows by line and id only: no hash, no email.
    text = summary.render() + json.dumps(summary.to_json())
    assert unknown["password_hash"] not in text and unknown["email"] not in text


def test_guests_deleted_and_passwordless_rows(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """Guests and deleted rows are skipped; an account without a hash can reset its password."""
    guest, deleted, no_password = customer_rows(3)
    guest["has_account"] = "false"
    deleted["deleted_at"] = "2024-01-01T00:00:00Z"
    no_password["password_hash"] = "   "
    header = [*guest, "has_account", "deleted_at"]
    summary = run_import(write_csv(tmp_path / "c.csv", [guest, deleted, no_password], header))
    assert summary.to_json()["skipped"] == {"guest (no account)": 1, "deleted in the source": 1}
    assert summary.to_json()["formats"] == {"(no password)": {"imported": 1, "updated": 0}}
    stored = table(db)
    assert set(stored) == {no_password["id"]}
    assert stored[no_password["id"]]["credential_state"] == "none"


def test_padded_values_are_cleaned(
    tmp_path: Path, run_import: Importer, engine: MigrationEngine
) -> None:
    """A hash and email padded like a char(n) column import and log in."""
    row = customer_rows(1)[0]
    row["password_hash"] += "      "
    row["email"] = f"  {row['email']}  "
    run_import(write_csv(tmp_path / "c.csv", [row]))
    assert engine.login(row["email"].strip(), "password-0").state.value == "cognito"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"email": "no-at-sign"}, "not an email address"),
        ({"email": ""}, "no email"),
        ({"id": "cus with spaces"}, "id is not 1 to 40 letters, digits, '_', '-' or '.'"),
        ({"metadata": "[1, 2]"}, "metadata is not a JSON object"),
        ({"metadata": "{oops"}, "metadata is not JSON"),
        ({"phone": "1" * 65}, "phone longer than 64 characters"),
        ({"created_at": "yesterday"}, "created_at is not an ISO 8601 date"),
        ({"has_account": "maybe"}, "has_account is not true or false"),
    ],
)
def test_invalid_fields_are_rejected_with_the_reason(
    change: dict[str, str], reason: str, tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """Each broken field rejects its row with a reason naming the field, never its value."""
    row = customer_rows(1)[0] | change
    summary = run_import(write_csv(tmp_path / "c.csv", [row], [*row]))
    assert summary.to_json()["rejected"] == {reason: 1}
    assert table(db) == {}


def test_a_fixed_format_rejects_other_shapes(tmp_path: Path, run_import: Importer) -> None:
    """``--format phpass`` does not take a Medusa hash for a phpass one."""
    summary = run_import(write_csv(tmp_path / "c.csv", customer_rows(1)), format_name="phpass")
    assert summary.to_json()["rejected"] == {"malformed phpass hash": 1}


def test_dry_run_writes_nothing(tmp_path: Path, db: Database, run_import: Importer) -> None:
    """A dry run counts what it would import and leaves the database untouched."""
    summary = run_import(write_csv(tmp_path / "c.csv", customer_rows(5)), dry_run=True)
    assert summary.imported == 5 and summary.dry_run
    assert table(db) == {}
    assert db.audit.search()[1] == 0


def test_the_run_is_audited(tmp_path: Path, db: Database, run_import: Importer) -> None:
    """One audit event per run, with counts only."""
    run_import(write_csv(tmp_path / "c.csv", customer_rows(3)))
    events, count = db.audit.search(event="customers.imported")
    assert count == 1
    assert events[0].detail == {"rows": "3", "imported": "3", "updated": "0", "rejected": "0"}


def _vector_rows(*files: str) -> list[dict[str, object]]:
    """One JSON Lines row per reference vector (tests/legacy/vectors), cheap ones only."""
    vectors = [
        v
        for f in files
        for v in load(f)
        if v.extra.get("params", {}).get("logN") != 17
        and "1000000 iterations" not in v.via  # a second of PBKDF2 proves nothing new here
    ]
    return [
        {"id": f"cus_vec{n}", "email": f"vec{n}@example.com", "password_hash": v.encoded}
        | {"password": v.password, "format": v.format}
        for n, v in enumerate(vectors)
    ]


@pytest.mark.parametrize(
    ("files", "format_name"),
    [
        (
            [
                "medusa_scrypt_kdf.json",
                "django_5_2.json",
                "phpass_php.json",
                "bcrypt_php.json",
                "argon2_php.json",
                "magento2_php.json",
            ],
            "auto",
        ),
        # WordPress trims the password; auto would take its $P$ hashes for plain phpass.
        (["wordpress_php.json"], "wordpress"),
    ],
    ids=["auto", "wordpress"],
)
def test_every_platform_reference_hash_imports_and_migrates(
    files: list[str],
    format_name: str,
    tmp_path: Path,
    db: Database,
    run_import: Importer,
    engine: MigrationEngine,
) -> None:
    """Reference hashes of every platform are detected per row, imported, and migrate at login."""
    rows = _vector_rows(*files)
    path = tmp_path / "vectors.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    summary = run_import(path, format_name=format_name)
    assert summary.rejected_rows == 0 and summary.imported == len(rows)
    stored = table(db)
    for row in rows:
        assert stored[str(row["id"])]["legacy_format"] == row["format"]
        record = engine.login(str(row["email"]), str(row["password"]))
        # A password Cognito would refuse (over 256 characters...) logs in and stays legacy.
        migrates = storable_reason(str(row["password"])) is None
        assert record.state.value == ("cognito" if migrates else "legacy")


def test_json_lines_that_are_not_objects_are_rejected(
    tmp_path: Path, db: Database, run_import: Importer
) -> None:
    """A broken JSON Lines line is one rejected row; the others import."""
    row = customer_rows(1)[0]
    path = tmp_path / "c.jsonl"
    path.write_text(f"{json.dumps(row)}\n{{broken\n[1, 2]\n\n")
    summary = run_import(path)
    assert summary.imported == 1
    assert summary.to_json()["rejected"] == {"line is not JSON": 1, "line is not a JSON object": 1}


def test_progress_reaches_the_end_of_the_file(tmp_path: Path, run_import: Importer) -> None:
    """Progress is reported after each batch, in bytes, up to the file's size."""
    path = write_csv(tmp_path / "c.csv", customer_rows(9))
    seen: list[int] = []
    run_import(path, batch_size=4, on_progress=seen.append)
    assert seen == sorted(seen) and len(seen) == 3
    assert seen[-1] == path.stat().st_size
