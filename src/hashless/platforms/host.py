"""A host: what one platform gives the service, picked once at start-up.

``hashless.service.wiring.host_for`` builds the one ``HASHLESS_PLATFORM`` names;
everything below it reads the host's parts and never asks which platform it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from hashless.config import Platform
from hashless.errors import ConfigurationError
from hashless.storage.layout import StoreLayout

__all__ = ["Host"]


@dataclass(frozen=True)
class Host:
    name: Platform
    layout: StoreLayout
    """Where the customers are and where hashless' state lives beside them."""
    serves_profile: bool = True
    """hashless answers ``GET /store/customers/me`` itself; False: the store's own server
    does (through the pass-through), with every relation it has."""
    refusals: Mapping[str, str] = field(default_factory=dict)
    """CLI commands this host cannot run (``import``, ``harden``...), each with the reason."""
    medusa_url: str | None = None
    """The store's own server, for a host hashless stands in front of."""
    medusa_jwt_secret: SecretStr | None = None
    """Medusa's ``jwt_secret`` (never logged: ``SecretStr`` prints as stars)."""

    def allow(self, command: str) -> None:
        """Raise ``ConfigurationError`` with the reason if this host refuses ``command``."""
        if command in self.refusals:
            raise ConfigurationError(self.refusals[command])
