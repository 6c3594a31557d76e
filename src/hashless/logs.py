"""Logging set-up for the command line: readable text, or one JSON object per line."""

from __future__ import annotations

import json
import logging
from typing import Literal

from hashless.credentials.client import silence_botocore_wire_logging

__all__ = ["configure_logging"]


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(kind: Literal["json", "text"], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        _JsonFormatter()
        if kind == "json"
        else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # botocore logs whole request and response bodies at DEBUG: passwords, tokens.
    silence_botocore_wire_logging()
    logging.getLogger("botocore").setLevel(max(level, logging.INFO))
