"""What a password login takes and gives: where it came from, the session it opens,
and the customer, token and device it answers with (``hashless.service.guard``)."""

from __future__ import annotations

from dataclasses import dataclass

from hashless.storage import CustomerRow

__all__ = ["NewSession", "RequestOrigin", "SignedIn"]


@dataclass(frozen=True)
class RequestOrigin:
    """Where a request came from, for the audit trail and address limits."""

    ip: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class NewSession:
    """The session a successful password login opens."""

    kind: str
    """``cookie`` or ``bearer``."""
    user_agent: str | None = None
    replaces: str | None = None
    """The token of a session cookie the browser already holds: it ends, so a planted
    cookie never becomes a login."""
    device: str | None = None
    """The known-device token the client presented, if any."""


@dataclass(frozen=True)
class SignedIn:
    customer: CustomerRow
    token: str
    """The new session's token: the only time it exists outside the client."""
    device: str
    """The known-device token the client keeps from now on."""
