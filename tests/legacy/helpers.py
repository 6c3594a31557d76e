"""Loading the checked-in vectors, and the assertions the legacy tests share."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "CUSTOMER",
    "VECTORS_DIR",
    "VECTOR_FILES",
    "Vector",
    "assert_warned",
    "load",
    "one_char_changed",
    "params",
]

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
VECTOR_FILES = sorted(
    p.name
    for p in VECTORS_DIR.glob("*.json")
    if p.name not in {"passwords.json", "package.json", "package-lock.json"}
)
CUSTOMER = "cust-0042"


@dataclass(frozen=True)
class Vector:
    file: str
    format: str
    password_id: str
    password: str
    encoded: str
    via: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.json')}:{self.format}:{self.password_id}:{self.via}"


def load(file_name: str) -> list[Vector]:
    doc = json.loads((VECTORS_DIR / file_name).read_text("utf-8"))
    known = {"format", "password_id", "password", "encoded", "via"}
    return [
        Vector(
            file=file_name,
            format=v["format"],
            password_id=v["password_id"],
            password=v["password"],
            encoded=v["encoded"],
            via=v.get("via", ""),
            extra={k: val for k, val in v.items() if k not in known},
        )
        for v in doc["vectors"]
    ]


def params(*files: str) -> list[Any]:
    """pytest params, one per vector of ``files`` (all files if none given)."""
    vectors = [v for f in (files or tuple(VECTOR_FILES)) for v in load(f)]
    return [pytest.param(v, id=v.id) for v in vectors]


def one_char_changed(password: str) -> str:
    """The password with its first character replaced (inside bcrypt's 72 bytes, not space)."""
    return ("y" if password[0] == "x" else "x") + password[1:]


def assert_warned(
    caplog: pytest.LogCaptureFixture, format_name: str, *secrets: str, customer: str = CUSTOMER
) -> None:
    """One warning names the customer and format; no log line holds a given secret."""
    records = [r for r in caplog.records if r.name == "hashless.legacy"]
    assert any(
        r.levelno == logging.WARNING
        and f"customer_id={customer}" in r.getMessage()
        and f"format={format_name}" in r.getMessage()
        for r in records
    ), [r.getMessage() for r in records]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        for secret in secrets:
            assert secret not in text
