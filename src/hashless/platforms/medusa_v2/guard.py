"""Login limits and the audit trail for Medusa v2 logins, in hashless' state schema.

Medusa v2 limits nothing itself. Each email gets the service's account rule
(``hashless.service.limits.ACCOUNT_RULE``: a few free failures, fewer than Cognito's own
lock-out, then a doubling wait capped at a minute) from counters every hashless worker
shares through the state schema; every login, failed login and refusal is audited
there. The client's address is not known here (Medusa does not pass it to a
provider), so there is no per-address rule.
"""

from __future__ import annotations

from hashless.emails import email_key
from hashless.errors import InvalidCredentials, TooManyAttempts
from hashless.platforms.medusa_v2.flows import MedusaV2Flows
from hashless.platforms.medusa_v2.records import MedusaIdentity
from hashless.service.limits import ACCOUNT_RULE, account_key
from hashless.storage import AuditEntry, AuditLog, LoginThrottleRepository

__all__ = ["GuardedLogins"]


class GuardedLogins:
    def __init__(
        self, flows: MedusaV2Flows, throttle: LoginThrottleRepository, audit: AuditLog
    ) -> None:
        self._flows = flows
        self._throttle = throttle
        self._audit = audit

    def authenticate(self, email: str, password: str) -> MedusaIdentity:
        """``MedusaV2Flows.authenticate`` within the email's failure limit."""
        key = account_key(email)
        counters = self._throttle.state([key])
        detail = {"email": email_key(email)}
        if counters.wait.total_seconds() > 0:
            self._audit.record(AuditEntry("login.limited", "refused", detail=detail))
            raise TooManyAttempts(max(1, round(counters.wait.total_seconds())))
        try:
            identity = self._flows.authenticate(email, password)
        except InvalidCredentials:
            self._throttle.record_failure({key: ACCOUNT_RULE})
            self._audit.record(AuditEntry("login.failed", "failure", detail=detail))
            raise
        if key in counters.counted:
            self._throttle.forget(key)
        self._audit.record(AuditEntry("login.succeeded", "success", customer_id=identity.id))
        return identity
