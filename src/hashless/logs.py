"""Logging set-up for the command line: readable text, or one JSON object per line.

Every record carries the id of the request it was logged in (``-`` outside one), so
a log line, the ``x-request-id`` answer header and the audit row can be joined. The
id comes from a getter the service passes in: this module imports no web framework.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Literal

from hashless.credentials.client import silence_botocore_wire_logging

__all__ = ["configure_logging"]

RequestIdGetter = Callable[[], str | None]


class _RequestIdFilter(logging.Filter):
    def __init__(self, current: RequestIdGetter | None) -> None:
        super().__init__()
        self._current = current

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = (self._current() if self._current else None) or "-"
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    kind: Literal["json", "text"],
    level: int | str = logging.INFO,
    *,
    request_id: RequestIdGetter | None = None,
) -> None:
    """One handler on the root logger at ``level`` (a number or a name such as "debug").

    Whatever the level, libraries that would log secrets stay quiet: botocore's wire
    loggers (request and response bodies) are filtered and botocore stays at INFO.
    """
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter(request_id))
    handler.setFormatter(
        _JsonFormatter()
        if kind == "json"
        else logging.Formatter(
            "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s]: %(message)s", "%H:%M:%S"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # botocore logs whole request and response bodies at DEBUG: passwords, tokens.
    silence_botocore_wire_logging()
    logging.getLogger("botocore").setLevel(max(level, logging.INFO))
    # Alembic announces each of its plugins at INFO on every start: noise, not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(level, logging.WARNING))
