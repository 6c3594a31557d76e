"""Login limits, the outage mark and the audit trail for Medusa v2 logins, in hashless'
state schema.

Medusa v2 limits nothing itself. Each email gets the service's account rule
(``hashless.service.limits.ACCOUNT_RULE``: a few free failures, fewer than Cognito's own
lock-out, then a doubling wait capped at a minute) from counters every hashless worker
shares through the state schema; every login, failed login and refusal is audited
there. The client's address is not known here (Medusa does not pass it to a
provider), so there is no per-address rule.

A Cognito outage must not tell who has an account here either: the service's outage
mark (``hashless.service.outage``, same key, same rules) is read with the email's
counter, and while it holds every login that does not succeed is "unavailable" at one
deadline, an unknown email or a wrong legacy password included.
"""

from __future__ import annotations

from hashless.emails import email_key
from hashless.errors import CredentialStoreUnavailable, InvalidCredentials, TooManyAttempts
from hashless.platforms.medusa_v2.flows import MedusaV2Flows
from hashless.platforms.medusa_v2.records import MedusaIdentity
from hashless.service.limits import ACCOUNT_RULE, account_key
from hashless.service.outage import OUTAGE_HOLD, OUTAGE_KEY, OutageWatch
from hashless.storage import AuditEntry, AuditLog, LoginThrottleRepository

__all__ = ["GuardedLogins"]


class GuardedLogins:
    def __init__(
        self,
        flows: MedusaV2Flows,
        throttle: LoginThrottleRepository,
        audit: AuditLog,
        outage: OutageWatch,
    ) -> None:
        self._flows = flows
        self._throttle = throttle
        self._audit = audit
        self.outage = outage
        """This process's view of the outage mark; the routes answer at its deadline."""

    def authenticate(self, email: str, password: str) -> MedusaIdentity:
        """``MedusaV2Flows.authenticate`` within the email's failure limit and the
        outage mark's rules."""
        key = account_key(email)
        counters = self._throttle.state([key, OUTAGE_KEY])
        outage = self.outage.saw(counters)
        detail = {"email": email_key(email)}
        wait = counters.wait_of([key])
        if wait.total_seconds() > 0:
            self._audit.record(AuditEntry("login.limited", "refused", detail=detail))
            raise TooManyAttempts(max(1, round(wait.total_seconds())))
        if outage:
            # Counted before the attempt, so the limit advances alike whichever path
            # the email takes and however late Cognito answers.
            self._throttle.record_failure({key: ACCOUNT_RULE})
        found = self._flows.identify(email)
        try:
            identity, judged = self._flows.authenticate_found(found, password)
        except InvalidCredentials:
            judged = self._flows.judged_by_store(found)
            if not outage:
                self._throttle.record_failure({key: ACCOUNT_RULE})
            elif judged:
                self._lift()
            self._audit.record(AuditEntry("login.failed", "failure", detail=detail))
            if outage and not judged:
                raise CredentialStoreUnavailable(
                    "login", "the store failed recently", self.outage.retry_after
                ) from None
            raise
        except CredentialStoreUnavailable as exc:
            self._throttle.mark(OUTAGE_KEY, OUTAGE_HOLD, exc.retry_after)
            self._audit.record(AuditEntry("login.unavailable", "error", detail=detail))
            self.outage.suspect(exc.retry_after)
            raise
        if outage or key in counters.counted:
            self._throttle.forget(key)
        if judged and OUTAGE_KEY in counters.counted:
            self._lift()
        self._audit.record(AuditEntry("login.succeeded", "success", customer_id=identity.id))
        return identity

    def _lift(self) -> None:
        """Cognito answered: the outage is over for every worker."""
        self._throttle.forget(OUTAGE_KEY)
        self.outage.lifted()
