"""``hashless reconcile``: the database and the user pool, compared.

The engine orders its writes so that a crash leaves at worst an unused Cognito user
(registration and deletion) or a stale one under a legacy customer (an interrupted
migration, overwritten by the next attempt); neither locks anyone out. What can lock
a customer out comes from outside: a Cognito user deleted by hand while the database
still sends the customer to Cognito. Reconcile finds all of these and, with ``fix``,
repairs the ones that can be repaired without guessing:

- a Cognito user with no live customer, older than ``grace`` (so that a registration
  in flight is never touched): deleted;
- a customer marked as in Cognito with no Cognito user: moved to the ``none`` state,
  so that a password reset creates the user again (no password exists anywhere to
  restore, and until then the customer could not log in or even reset);
- a Cognito email that differs from the customer's: set to the customer's;
- a Cognito user under a legacy customer: reported only, it is harmless.

Every finding is re-checked just before its repair, and the database side under the
customer's row lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import select

from hashless.credentials._errors import Target, error_code, translate
from hashless.credentials.protocol import CredentialStore
from hashless.errors import HashlessError
from hashless.migration import CredentialState
from hashless.storage import AuditEntry, Database

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["Discrepancy", "ReconcileReport", "needs_attention", "reconcile"]

T = TypeVar("T")

ORPHAN = "cognito-user-without-customer"
MISSING = "customer-without-cognito-user"
EMAIL = "email-differs"
STALE = "cognito-user-under-legacy-customer"


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    username: str
    """The Cognito username, which is the customer id."""
    detail: str
    repairable: bool
    repaired: bool = False


@dataclass(frozen=True)
class ReconcileReport:
    cognito_users: int
    customers: int
    discrepancies: list[Discrepancy]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _CognitoUser:
    email: str | None
    created: datetime


class _Pool:
    """The few read calls reconcile makes, with botocore errors translated."""

    def __init__(self, client: CognitoIdentityProviderClient, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._target = Target(region=client.meta.region_name, user_pool_id=user_pool_id)

    def _call(self, action: str, request: Callable[[], T]) -> T:
        failure: HashlessError
        try:
            return request()
        except (ClientError, BotoCoreError) as exc:
            failure = translate(exc, operation="reconcile", action=action, target=self._target)
        raise failure

    def users(self) -> Iterator[tuple[str, _CognitoUser]]:
        pages = self._client.get_paginator("list_users").paginate(UserPoolId=self._pool)
        iterator = iter(pages)
        while True:
            page = self._call("ListUsers", lambda: next(iterator, None))
            if page is None:
                return
            for user in page["Users"]:
                attributes = {a["Name"]: a.get("Value") for a in user.get("Attributes", [])}
                yield (
                    user["Username"],
                    _CognitoUser(attributes.get("email"), user["UserCreateDate"]),
                )

    def exists(self, username: str) -> bool:
        def get() -> bool:
            try:
                self._client.admin_get_user(UserPoolId=self._pool, Username=username)
            except ClientError as exc:
                if error_code(exc) == "UserNotFoundException":
                    return False
                raise
            return True

        return self._call("AdminGetUser", get)


def _customers(db: Database) -> dict[str, tuple[str, str]]:
    accounts = db.customers.status_rows.subquery()
    with db.sessions_factory() as session:
        rows = session.execute(
            select(accounts.c.id, accounts.c.email, accounts.c.state).execution_options(
                yield_per=5000
            )
        )
        return {customer_id: (email, state) for customer_id, email, state in rows}


def _clear_credential(db: Database, customer_id: str, pool: _Pool) -> bool:
    """Move a customer whose Cognito user is gone to ``none``; False if that changed meanwhile."""
    if not db.customers.clear_credential(customer_id, lambda: not pool.exists(customer_id)):
        return False
    db.audit.record(
        AuditEntry(
            event="reconcile.credential_cleared",
            outcome="success",
            customer_id=customer_id,
            actor="admin",
            detail={"reason": "no Cognito user"},
        )
    )
    return True


def reconcile(
    db: Database,
    client: CognitoIdentityProviderClient,
    store: CredentialStore,
    *,
    user_pool_id: str,
    fix: bool = False,
    grace: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> ReconcileReport:
    """Compare pool and database; with ``fix``, repair what can be repaired safely."""
    pool = _Pool(client, user_pool_id)
    now = now or datetime.now(UTC)
    users = dict(pool.users())
    customers = _customers(db)
    found: list[Discrepancy] = []

    for username, user in sorted(users.items()):
        customer = customers.get(username)
        if customer is None:
            old_enough = user.created <= now - grace
            repaired = False
            if fix and old_enough and db.records.get(username) is None:
                store.delete(username)
                repaired = True
            found.append(
                Discrepancy(
                    ORPHAN,
                    username,
                    "Cognito user with no live customer"
                    + (
                        ""
                        if old_enough
                        else f" (younger than {grace}: may be a registration in flight)"
                    ),
                    repairable=old_enough,
                    repaired=repaired,
                )
            )
            continue
        email, state = customer
        if state == CredentialState.LEGACY.value:
            found.append(
                Discrepancy(
                    STALE,
                    username,
                    "legacy customer has a Cognito user (an interrupted migration; the next "
                    "login overwrites it)",
                    repairable=False,
                )
            )
        elif state == CredentialState.COGNITO.value and user.email != email:
            repaired = False
            if fix:
                store.update_email(username, email)
                repaired = True
            found.append(
                Discrepancy(
                    EMAIL, username, "Cognito's email differs from the customer's", True, repaired
                )
            )

    for customer_id, (_, state) in sorted(customers.items()):
        if state != CredentialState.COGNITO.value or customer_id in users:
            continue
        if pool.exists(customer_id):
            continue  # created since the listing
        repaired = fix and _clear_credential(db, customer_id, pool)
        found.append(
            Discrepancy(
                MISSING,
                customer_id,
                "customer marked as in Cognito has no Cognito user: cannot log in; "
                + (
                    "moved to 'none', a password reset restores access"
                    if repaired
                    else "--fix moves it to 'none' so that a password reset restores access"
                ),
                repairable=True,
                repaired=repaired,
            )
        )
    return ReconcileReport(cognito_users=len(users), customers=len(customers), discrepancies=found)


def needs_attention(report: ReconcileReport) -> bool:
    """True if something that can lock a customer out, or leak, is left unrepaired."""
    return any(not d.repaired and d.kind != STALE for d in report.discrepancies)
