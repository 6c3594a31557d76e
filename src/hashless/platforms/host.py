"""A host: what one platform gives the service, picked once at start-up.

``hashless.service.wiring.host_for`` builds the one ``HASHLESS_PLATFORM`` names;
everything below it reads the host's parts and never asks which platform it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from hashless.config import Platform
from hashless.storage.layout import StoreLayout

__all__ = ["Host"]


@dataclass(frozen=True)
class Host:
    name: Platform
    layout: StoreLayout
    """Where the customers are and where hashless' state lives beside them."""
    import_refusal: str | None = None
    """Why ``hashless import`` must not write into this host (None: it may)."""
    medusa_url: str | None = None
    """The store's own server, for a host hashless stands in front of."""
    medusa_jwt_secret: SecretStr | None = None
    """Medusa's ``jwt_secret`` (never logged: ``SecretStr`` prints as stars)."""
