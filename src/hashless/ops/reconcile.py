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

A pool may be shared with another application (the Django integration's users are
``django-<pk>``; another app's may be anything). Reconcile only ever touches users
hashless made: usernames of the shape it mints (``cus_`` + a ULID, Medusa's own id
shape) or that name a customer row (an imported id). Every other user is counted,
never listed, changed or deleted.

A wrong ``COGNITO_USER_POOL_ID`` (staging's pool, an empty one) would make every
migrated customer look missing and every one of that pool's users look orphaned;
repairing that would move every migrated customer to ``none`` and delete the other
pool's users. When a large share of either side looks missing, ``fix`` therefore
changes nothing and says why, unless the operator confirms with ``mass_repair``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
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

__all__ = [
    "MASS_REPAIR_SHARE",
    "Discrepancy",
    "ReconcileReport",
    "is_hashless_username",
    "needs_attention",
    "reconcile",
]

T = TypeVar("T")

ORPHAN = "cognito-user-without-customer"
MISSING = "customer-without-cognito-user"
EMAIL = "email-differs"
STALE = "cognito-user-under-legacy-customer"

MASS_REPAIR_SHARE = 0.5
"""From this share of one side missing (and at least ``_MASS_REPAIR_MIN`` users), the
pool and the database look mismatched rather than repaired by hand: fix stops."""
_MASS_REPAIR_MIN = 2

# new_customer_id's shape, and Medusa's: "cus_" + a ULID in Crockford's base 32.
_HASHLESS_ID = re.compile(r"cus_[0-9A-HJKMNP-TV-Z]{26}", re.IGNORECASE)


def is_hashless_username(username: str) -> bool:
    """True if ``username`` has the shape of an id hashless makes (``cus_`` + ULID)."""
    return _HASHLESS_ID.fullmatch(username) is not None


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
    foreign_users: int = 0
    """Cognito users that are not hashless' (another app sharing the pool): left alone."""
    mismatched: str | None = None
    """The two sides look like the wrong pool or database (see the module), said with or
    without ``fix``, so a dry run warns before an operator reaches for ``--fix``."""
    stopped: bool = False
    """``fix`` changed nothing because of ``mismatched``."""

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


def _known_ids(db: Database, usernames: Iterable[str]) -> set[str]:
    """The ones among ``usernames`` that name a customer row, live or not."""
    wanted = list(usernames)
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        known |= db.customers.existing_ids(wanted[start : start + 500])
    return known


def _mismatch(missing: int, out_of: int, what: str) -> str | None:
    if missing < _MASS_REPAIR_MIN or missing < MASS_REPAIR_SHARE * out_of:
        return None
    return f"{missing:,} of {out_of:,} {what}"


def _find(
    users: dict[str, _CognitoUser],
    customers: dict[str, tuple[str, str]],
    *,
    old_enough: Callable[[_CognitoUser], bool],
    grace: timedelta,
) -> list[Discrepancy]:
    """Every disagreement between ``users`` (hashless' only) and ``customers``."""
    found: list[Discrepancy] = []
    for username, user in sorted(users.items()):
        customer = customers.get(username)
        if customer is None:
            note = (
                ""
                if old_enough(user)
                else f" (younger than {grace}: may be a registration in flight)"
            )
            found.append(
                Discrepancy(
                    ORPHAN, username, "Cognito user with no live customer" + note, old_enough(user)
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
            found.append(
                Discrepancy(EMAIL, username, "Cognito's email differs from the customer's", True)
            )
    for customer_id, (_, state) in sorted(customers.items()):
        if state == CredentialState.COGNITO.value and customer_id not in users:
            found.append(
                Discrepancy(
                    MISSING,
                    customer_id,
                    "customer marked as in Cognito has no Cognito user: cannot log in; "
                    "--fix moves it to 'none' so that a password reset restores access",
                    repairable=True,
                )
            )
    return found


def _mismatch_of(
    found: list[Discrepancy], users: int, customers: dict[str, tuple[str, str]], pool_id: str
) -> str | None:
    """Why ``found`` looks like the wrong pool rather than a few lost users."""
    in_cognito = sum(state == CredentialState.COGNITO.value for _, state in customers.values())
    missing = _mismatch(
        sum(d.kind == MISSING for d in found),
        in_cognito,
        "customers marked as in Cognito have no user in the pool",
    )
    orphans = _mismatch(
        sum(d.kind == ORPHAN and d.repairable for d in found),
        users,
        "hashless users in the pool have no live customer",
    )
    if missing is None and orphans is None:
        return None
    what = "; ".join(part for part in (missing, orphans) if part)
    return (
        f"{what}. That looks like the wrong pool (COGNITO_USER_POOL_ID="
        f"{pool_id}) or the wrong database (HASHLESS_DATABASE_URL), not users deleted by hand; "
        "repairing it would lock customers out or delete another environment's users. Check "
        "both settings; if the users really are gone, --fix needs --mass-repair"
    )


def _repair(
    d: Discrepancy,
    db: Database,
    pool: _Pool,
    store: CredentialStore,
    customers: dict[str, tuple[str, str]],
) -> Discrepancy:
    """Repair one finding after checking it again; the finding, marked if repaired."""
    repaired = False
    if d.kind == ORPHAN and d.repairable:
        if db.records.get(d.username) is None:
            store.delete(d.username)
            repaired = True
    elif d.kind == EMAIL:
        store.update_email(d.username, customers[d.username][0])
        repaired = True
    elif d.kind == MISSING and _clear_credential(db, d.username, pool):
        return replace(
            d,
            detail="customer marked as in Cognito has no Cognito user: moved to 'none', "
            "a password reset restores access",
            repaired=True,
        )
    return replace(d, repaired=repaired)


def reconcile(
    db: Database,
    client: CognitoIdentityProviderClient,
    store: CredentialStore,
    *,
    user_pool_id: str,
    fix: bool = False,
    mass_repair: bool = False,
    grace: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> ReconcileReport:
    """Compare pool and database; with ``fix``, repair what can be repaired safely.

    Only hashless' users are looked at (see the module); ``mass_repair`` confirms a
    repair of a large share of either side, which is otherwise refused.
    """
    pool = _Pool(client, user_pool_id)
    now = now or datetime.now(UTC)
    listed = dict(pool.users())
    customers = _customers(db)
    unknown = [u for u in listed if u not in customers and not is_hashless_username(u)]
    known = _known_ids(db, unknown)
    users = {
        u: user
        for u, user in listed.items()
        if u in customers or is_hashless_username(u) or u in known
    }
    found = _find(
        users, customers, old_enough=lambda user: user.created <= now - grace, grace=grace
    )
    # A MISSING finding made from the listing alone: users created since are not missing.
    found = [d for d in found if d.kind != MISSING or not pool.exists(d.username)]
    mismatched = _mismatch_of(found, len(users), customers, user_pool_id) if found else None
    stopped = fix and mismatched is not None and not mass_repair
    if fix and found and not stopped:
        found = [_repair(d, db, pool, store, customers) for d in found]
    return ReconcileReport(
        cognito_users=len(listed),
        customers=len(customers),
        discrepancies=found,
        foreign_users=len(listed) - len(users),
        mismatched=mismatched,
        stopped=stopped,
    )


def needs_attention(report: ReconcileReport) -> bool:
    """True if something that can lock a customer out, or leak, is left unrepaired."""
    return any(not d.repaired and d.kind != STALE for d in report.discrepancies)
