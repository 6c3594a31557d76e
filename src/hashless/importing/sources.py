"""Where imported customers come from: a CSV or JSON Lines file, or a Medusa database.

Every source streams: one row in memory at a time (the database ones through a
server-side cursor), so the size of the export never shows in the memory used.
Progress is reported in the source's own unit: bytes read for a file, rows for a
database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from hashless.errors import ConfigurationError

__all__ = [
    "CSV_COLUMNS",
    "CsvFile",
    "JsonLinesFile",
    "MedusaDatabase",
    "MedusaVersion",
    "Source",
    "SourceRow",
    "open_source",
]

CSV_COLUMNS = (
    "id",
    "email",
    "password_hash",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "created_at",
    "has_account",
    "deleted_at",
)
_REQUIRED = ("email", "password_hash")

MedusaVersion = Literal["medusa-v1", "medusa-v2"]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One customer as the source holds it, before any checking."""

    line: int
    """Line of a file (where the row ends), or the row's position in a database."""
    fields: Mapping[str, object] = field(default_factory=dict)
    problem: str | None = None
    """Why the row could not even be read (e.g. a JSON Lines line that is not JSON)."""

    def __repr__(self) -> str:
        # The fields hold a password hash: never in a repr, traceback or log line.
        return f"SourceRow(line={self.line}, problem={self.problem!r})"


class Source(Protocol):
    """Rows to import, and how far through them the reader is."""

    @property
    def size(self) -> int | None:
        """Total progress units (None if unknown until read)."""

    @property
    def position(self) -> int:
        """Progress units done so far."""

    def rows(self) -> Iterator[SourceRow]:
        """The rows, in the source's order, read lazily."""


class _File:
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ConfigurationError(f"{path} is not a readable file")
        self._path = path
        self._raw: io.BufferedReader | None = None

    @property
    def size(self) -> int | None:
        return self._path.stat().st_size

    @property
    def position(self) -> int:
        if self._raw is None:
            return 0
        if self._raw.closed:
            return self._path.stat().st_size
        # The buffered reader's position: bytes handed to the text layer so far.
        return self._raw.tell()

    def _open(self) -> io.TextIOWrapper:
        self._raw = open(self._path, "rb")  # noqa: SIM115 (closed by the text wrapper)
        # utf-8-sig: spreadsheet exports start with a byte-order mark.
        return io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")


class CsvFile(_File):
    """A CSV with a header row naming ``CSV_COLUMNS`` (``email`` and ``password_hash`` required)."""

    def rows(self) -> Iterator[SourceRow]:
        with self._open() as stream:
            reader = csv.reader(stream)
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [name for name in _REQUIRED if name not in header]
            if missing:
                raise ConfigurationError(
                    f"{self._path} has no {' or '.join(missing)} column; its first row must "
                    f"name the columns, e.g. {','.join(CSV_COLUMNS)}"
                )
            for values in reader:
                if values:
                    # Unknown columns ride along unread; a short row lacks its last fields.
                    yield SourceRow(reader.line_num, dict(zip(header, values, strict=False)))


class JsonLinesFile(_File):
    """One JSON object per line, with the same keys as the CSV columns."""

    def rows(self) -> Iterator[SourceRow]:
        with self._open() as stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    yield SourceRow(number, problem="line is not JSON")
                    continue
                if not isinstance(value, dict):
                    yield SourceRow(number, problem="line is not a JSON object")
                    continue
                yield SourceRow(number, value)


# Medusa v1: the customer table itself holds the hash (packages/medusa/src/models/customer.ts).
_MEDUSA_V1 = """
SELECT id, email, first_name, last_name, phone, password_hash, has_account, metadata,
       created_at, deleted_at
FROM customer
"""

# Medusa v2: the auth module's emailpass provider holds the hash in
# provider_identity.provider_metadata.password; the auth identity names its customer in
# app_metadata.customer_id (the ``<actor type>_id`` key of setAuthAppMetadataStep).
# deleted_at on the auth tables came with a later migration, hence to_jsonb().
_MEDUSA_V2 = """
WITH emailpass AS (
    SELECT DISTINCT ON (a.app_metadata ->> 'customer_id')
           a.app_metadata ->> 'customer_id' AS customer_id,
           p.provider_metadata ->> 'password' AS password_hash
    FROM auth_identity a
    JOIN provider_identity p ON p.auth_identity_id = a.id
    WHERE p.provider = 'emailpass'
      AND a.app_metadata ->> 'customer_id' IS NOT NULL
      AND to_jsonb(a) ->> 'deleted_at' IS NULL
      AND to_jsonb(p) ->> 'deleted_at' IS NULL
    ORDER BY a.app_metadata ->> 'customer_id', p.id
)
SELECT c.id, c.email, c.first_name, c.last_name, c.phone, e.password_hash, c.has_account,
       c.metadata, c.created_at, c.deleted_at
FROM customer c
LEFT JOIN emailpass e ON e.customer_id = c.id
"""


class MedusaDatabase:
    """Customers straight from a Medusa v1 or v2 PostgreSQL database (read only)."""

    def __init__(self, url: str, version: MedusaVersion) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigurationError(
                f"--from {version} needs a database URL as SOURCE, e.g. "
                "postgresql://user@host/medusa"
            ) from None
        if parsed.get_backend_name() != "postgresql":
            raise ConfigurationError(f"--from {version} reads PostgreSQL: use a postgresql:// URL")
        self._url = parsed.set(drivername="postgresql+psycopg")
        self._version = version
        self._size: int | None = None
        self._position = 0

    @property
    def size(self) -> int | None:
        return self._size

    @property
    def position(self) -> int:
        return self._position

    def rows(self) -> Iterator[SourceRow]:
        query = _MEDUSA_V1 if self._version == "medusa-v1" else _MEDUSA_V2
        try:
            engine = create_engine(self._url)
        except NoSuchModuleError:
            raise ConfigurationError(
                'reading a Medusa database needs psycopg: pip install "hashless[postgres]"'
            ) from None
        try:
            with engine.connect() as connection:
                self._size = connection.scalar(text("SELECT count(*) FROM customer"))
                result = connection.execution_options(stream_results=True, yield_per=2000).execute(
                    text(query)
                )
                for number, row in enumerate(result, 1):
                    self._position = number
                    yield SourceRow(number, row._asdict())
        except SQLAlchemyError as exc:
            # The URL may hold a password: name the host and database only.
            raise ConfigurationError(
                f"cannot read the {self._version} customers at {self._url.host}/"
                f"{self._url.database} ({type(exc).__name__}): check the URL and that it is "
                f"a {self._version} database"
            ) from None
        finally:
            engine.dispose()


def open_source(source: str, medusa: MedusaVersion | None) -> Source:
    """The reader for ``source``: a database URL with ``medusa``, else a .csv/.jsonl file."""
    if medusa is not None:
        return MedusaDatabase(source, medusa)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvFile(path)
    if suffix in (".jsonl", ".ndjson"):
        return JsonLinesFile(path)
    raise ConfigurationError(
        f"cannot tell the format of {source}: name it .csv or .jsonl, or read a Medusa "
        "database with --from medusa-v1 or --from medusa-v2"
    )
