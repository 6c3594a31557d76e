"""``hashless import`` and ``hashless harden`` as an operator runs them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hashless.cli._progress import progress_bar
from hashless.cli.main import main
from tests.legacy.helpers import load

from .medusa import customer_rows, write_csv


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HASHLESS_DATABASE_URL", f"sqlite:///{tmp_path / 'hashless.db'}")
    return CliRunner()


def test_import_prints_a_summary_and_exits_0(tmp_path: Path, runner: CliRunner) -> None:
    """A clean file: the summary on stdout, exit status 0, no progress bar off a terminal."""
    path = write_csv(tmp_path / "c.csv", customer_rows(3))
    result = runner.invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported           3" in result.stdout
    assert "medusa-v1" in result.stdout
    assert "importing" not in result.stderr


def test_import_exits_1_when_rows_are_rejected(tmp_path: Path, runner: CliRunner) -> None:
    """Rejected rows make the exit status 1; ``--json`` reports them for machines."""
    rows = customer_rows(2)
    rows[1]["password_hash"] = "garbage"
    path = write_csv(tmp_path / "c.csv", rows)
    result = runner.invoke(main, ["import", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["imported"] == 1
    assert report["rejected_rows"] == [
        {"line": 3, "id": rows[1]["id"], "reason": "hash matches no known format"}
    ]


def test_import_dry_run_then_real_run(tmp_path: Path, runner: CliRunner) -> None:
    """``--dry-run`` counts; the real run after it still imports everything."""
    path = write_csv(tmp_path / "c.csv", customer_rows(2))
    dry = json.loads(runner.invoke(main, ["import", str(path), "--dry-run", "--json"]).stdout)
    assert (dry["dry_run"], dry["imported"]) == (True, 2)
    real = json.loads(runner.invoke(main, ["import", str(path), "--json"]).stdout)
    assert real["imported"] == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "md5crypt"], "unknown hash format 'md5crypt'"),
        (["--from", "medusa-v1"], "needs a database URL as SOURCE"),
    ],
)
def test_import_configuration_errors_are_one_line(
    arguments: list[str], message: str, tmp_path: Path, runner: CliRunner
) -> None:
    """A wrong option ends with exit status 2 and one line saying what to fix."""
    path = write_csv(tmp_path / "c.csv", customer_rows(1))
    result = runner.invoke(main, ["import", str(path), *arguments])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_refuses_files_it_cannot_read(tmp_path: Path, runner: CliRunner) -> None:
    """Unknown extension, a missing file and a CSV without the required columns: exit 2."""
    (tmp_path / "c.txt").write_text("x")
    (tmp_path / "bad.csv").write_text("mail,hash\na@b.co,x\n")
    for name, message in [
        ("c.txt", "name it .csv or .jsonl"),
        ("missing.csv", "is not a readable file"),
        ("bad.csv", "has no email or password_hash column"),
    ]:
        result = runner.invoke(main, ["import", str(tmp_path / name)])
        assert result.exit_code == 2, name
        assert message in result.stderr


def test_harden_wraps_weak_hashes_and_reports(tmp_path: Path, runner: CliRunner) -> None:
    """``hashless harden`` wraps Medusa v1 hashes; a second run finds nothing left."""
    runner.invoke(main, ["import", str(write_csv(tmp_path / "c.csv", customer_rows(3)))])
    dry = json.loads(runner.invoke(main, ["harden", "--dry-run", "--json"]).stdout)
    assert (dry["hardened"], dry["remaining_weak"]) == (3, 3)
    result = runner.invoke(main, ["harden", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["hardened"], report["remaining_weak"], report["cost"]) == (
        3,
        0,
        "m=19456,t=2,p=1",
    )
    again = json.loads(runner.invoke(main, ["harden", "--json"]).stdout)
    assert (again["examined"], again["hardened"]) == (0, 0)


def test_harden_exits_1_when_weak_hashes_cannot_be_wrapped(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A weak bcrypt hash (cost 4) has no recomputable digest: reported, exit status 1."""
    vector = next(v for v in load("bcrypt_php.json") if v.encoded.startswith("$2y$04$"))
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"email": "b@example.com", "password_hash": vector.encoded}))
    runner.invoke(main, ["import", str(path)])
    result = runner.invoke(main, ["harden"])
    assert result.exit_code == 1
    assert "weak, cannot wrap bcrypt" in result.stdout


@pytest.mark.parametrize("floor", ["m=1024,t=2", "m=19456,t=1", "19MiB", "m=1048576,t=2"])
def test_harden_refuses_a_cost_below_the_floor(floor: str, runner: CliRunner) -> None:
    """The wrap is never cheaper than ASVS's Argon2id floor, nor dearer than the ceilings."""
    result = runner.invoke(main, ["harden", "--floor", floor])
    assert result.exit_code == 2
    assert "hashless:" in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the bar goes to stderr; elsewhere nothing is drawn."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(lambda: 100, "importing") as update:
        update(50)
        update(100)
    assert "importing" in terminal.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    with progress_bar(lambda: 100, "importing") as update:
        update(100)
    assert plain.getvalue() == ""
