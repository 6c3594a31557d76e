"""One line of a diagnosis: what was checked, how it went, and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Status", "failed", "render_findings"]


class Status(StrEnum):
    OK = "ok"
    NOTE = "note"
    """Nothing wrong: something that will happen by itself, said so nobody is surprised."""
    WARN = "warn"
    """Works, but the operator should know (it does not fail the run)."""
    FAIL = "fail"
    SKIP = "skip"
    """Not checked, because something it depends on failed."""


_MARK = {Status.OK: "✓", Status.NOTE: "i", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}


@dataclass(frozen=True)
class Finding:
    check: str
    """A stable short name, e.g. ``client.auth-flow``, for scripts reading ``--json``."""
    status: Status
    summary: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"status": self.status.value}


def failed(findings: Iterable[Finding]) -> bool:
    return any(f.status is Status.FAIL for f in findings)


def render_findings(findings: Iterable[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{_MARK[finding.status]} {finding.summary}")
        if finding.fix and finding.status in (Status.FAIL, Status.WARN):
            lines.append(f"    fix: {finding.fix}")
        elif finding.fix and finding.status is Status.NOTE:
            lines.append(f"    {finding.fix}")
    return "\n".join(lines) + "\n"
