"""A current schema is recognised without Alembic; anything else still goes through it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from hashless.storage import Database, migrate, schema_is_current
from hashless.storage.db import _alembic_config, head_from_scripts


def test_the_scripts_name_the_head_alembic_names(sqlite_db: Database) -> None:
    """head_from_scripts() agrees with Alembic's own reading of the migrations."""
    config = _alembic_config(sqlite_db.engine)
    assert head_from_scripts() == ScriptDirectory.from_config(config).get_current_head()


def test_a_current_schema_is_not_handed_to_alembic(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """migrate() and schema_is_current() on a current database never call Alembic."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("Alembic was asked")

    monkeypatch.setattr(command, "upgrade", refuse)
    monkeypatch.setattr(ScriptDirectory, "from_config", refuse)
    migrate(sqlite_db.engine)
    assert schema_is_current(sqlite_db.engine)


def test_an_older_schema_is_upgraded_by_alembic(sqlite_db: Database) -> None:
    """One revision behind: not current, and migrate() brings it to the head."""
    command.downgrade(_alembic_config(sqlite_db.engine), "-1")
    assert not schema_is_current(sqlite_db.engine)
    migrate(sqlite_db.engine)
    assert schema_is_current(sqlite_db.engine)


def _script(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(body)


def test_scripts_in_another_form_leave_the_answer_to_alembic(tmp_path: Path) -> None:
    """A chain is read; a merge or a revision line it cannot read gives None, not a guess."""
    _script(tmp_path, "a", 'revision = "a"\ndown_revision = None\n')
    _script(tmp_path, "b", "revision: str = 'b'\ndown_revision: str | None = 'a'\n")
    assert head_from_scripts(tmp_path) == "b"

    _script(tmp_path, "c", 'revision = "c"\ndown_revision = ("a", "b")\n')
    assert head_from_scripts(tmp_path) is None

    (tmp_path / "c.py").unlink()
    _script(tmp_path, "d", 'REV = "d"\nrevision = REV\ndown_revision = "b"\n')
    assert head_from_scripts(tmp_path) is None
