"""What an import did: counts by outcome, reason and format, and the first rejected rows.

Bounded whatever the size of the source: counters, plus at most ``EXAMPLES`` rejected
rows by line and id (never an email, hash or password).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hashless.importing.rows import Kind, Outcome
from hashless.importing.writer import NO_PASSWORD, BatchResult

__all__ = ["EXAMPLES", "ImportSummary"]

EXAMPLES = 100


@dataclass
class ImportSummary:
    dry_run: bool = False
    rows: int = 0
    counts: Counter[Kind] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    formats: dict[str, Counter[Kind]] = field(default_factory=dict)
    examples: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.rows += 1
        self.counts[outcome.kind] += 1
        if outcome.kind is Kind.SKIPPED:
            self.skipped[outcome.reason or "?"] += 1
        elif outcome.kind is Kind.REJECTED:
            self.rejected[outcome.reason or "?"] += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(outcome)
        else:
            self._by_format(outcome.format or NO_PASSWORD)[outcome.kind] += 1

    def add_batch(self, batch: BatchResult) -> None:
        for format_name, count in batch.imported.items():
            self.rows += count
            self.counts[Kind.IMPORTED] += count
            self._by_format(format_name)[Kind.IMPORTED] += count
        for outcome in batch.outcomes:
            self.add(outcome)

    def _by_format(self, name: str) -> Counter[Kind]:
        return self.formats.setdefault(name, Counter())

    @property
    def imported(self) -> int:
        return self.counts[Kind.IMPORTED]

    @property
    def updated(self) -> int:
        return self.counts[Kind.UPDATED]

    @property
    def rejected_rows(self) -> int:
        return self.counts[Kind.REJECTED]

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "skipped": dict(self.skipped.most_common()),
            "rejected": dict(self.rejected.most_common()),
            "formats": {
                name: {"imported": c[Kind.IMPORTED], "updated": c[Kind.UPDATED]}
                for name, c in sorted(self.formats.items())
            },
            "rejected_rows": [
                {"line": o.line, "id": o.customer_id, "reason": o.reason} for o in self.examples
            ],
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
        }

    def render(self) -> str:
        """The summary for a terminal."""
        title = "dry run, nothing written" if self.dry_run else "done"
        lines = [
            f"hashless import ({title}): {self.rows:,} rows in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s)",
            f"  imported  {self.imported:>10,}",
            f"  updated   {self.updated:>10,}",
            f"  skipped   {self.counts[Kind.SKIPPED]:>10,}",
        ]
        lines += [f"    {reason:<36} {n:>10,}" for reason, n in self.skipped.most_common()]
        lines.append(f"  rejected  {self.rejected_rows:>10,}")
        lines += [f"    {reason:<36} {n:>10,}" for reason, n in self.rejected.most_common()]
        if self.formats:
            lines.append("  by format                 imported    updated")
            lines += [
                f"    {name:<22} {c[Kind.IMPORTED]:>10,} {c[Kind.UPDATED]:>10,}"
                for name, c in sorted(self.formats.items())
            ]
        if self.examples:
            shown = len(self.examples)
            lines.append(f"  rejected rows (first {shown}):")
            lines += [
                f"    line {o.line}"
                + (f" ({o.customer_id})" if o.customer_id else "")
                + f": {o.reason}"
                for o in self.examples
            ]
        return "\n".join(lines) + "\n"
