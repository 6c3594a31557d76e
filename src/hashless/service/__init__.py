"""The HTTP service (FastAPI). Depends on the core; the core never imports it."""

from hashless.service.app import create_app
from hashless.service.context import ServiceContext

__all__ = ["ServiceContext", "create_app"]
