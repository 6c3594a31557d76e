"""The standalone platform: hashless' own customer table, its state beside it."""

from __future__ import annotations

from hashless.config import Settings
from hashless.platforms.host import Host
from hashless.storage import STANDALONE

__all__ = ["STANDALONE_HOST", "standalone_host"]

STANDALONE_HOST = Host("standalone", STANDALONE)


def standalone_host(settings: Settings) -> Host:
    return STANDALONE_HOST
