"""``hashless import``: customers and their legacy hashes from another platform.

An adapter like the service: it writes the customer table through SQLAlchemy, using
the core's verifiers only to name and judge each hash (never to verify one).
"""

from hashless.importing.rows import AUTO, Kind, Outcome, PreparedRow, RowPreparer, fixed_format
from hashless.importing.run import DEFAULT_BATCH_SIZE, import_customers
from hashless.importing.sources import (
    CsvFile,
    JsonLinesFile,
    MedusaDatabase,
    MedusaVersion,
    Source,
    SourceRow,
    open_source,
)
from hashless.importing.summary import ImportSummary

__all__ = [
    "AUTO",
    "DEFAULT_BATCH_SIZE",
    "CsvFile",
    "ImportSummary",
    "JsonLinesFile",
    "Kind",
    "MedusaDatabase",
    "MedusaVersion",
    "Outcome",
    "PreparedRow",
    "RowPreparer",
    "Source",
    "SourceRow",
    "fixed_format",
    "import_customers",
    "open_source",
]
