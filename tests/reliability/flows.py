"""The credential flows of the crash matrix, each as the HTTP request a customer sends.

A ``Flow`` lists its steps in the order they happen and names the decisive one: a
crash after it leaves the flow's change in effect, a crash before it leaves none of
it. ``docs/reliability.md`` has one row per step, checked against these lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool
from hashless.identity import new_customer_id
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.migration.records import CredentialState
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.service.reset_delivery import NoDelivery
from hashless.service.timing import FailureFloor
from hashless.storage import Database, LegacyCustomer
from tests.reliability.faults import CrashPlan, FaultyRecords, FaultyStore, faulty_database
from tests.support import PlainSha256

ADMIN_TOKEN = "admin-token-for-reliability-0123"
ADMIN = {"x-medusa-access-token": ADMIN_TOKEN}
COOKIE = "hashless_sid"

OLD = "old password 1"
NEW = "new password 2"
WRONG = "not her password"


@dataclass(frozen=True)
class Credential:
    email: str
    password: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """What one test runs against: a database and a Cognito pool.

    The pool is shared by many tests; ``tag`` starts every email this test uses, so
    its Cognito users are the ones whose email starts with it.
    """

    db: Database
    cognito: CognitoIdentityProviderClient
    pool: ProvisionedPool
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @property
    def email(self) -> str:
        return f"{self.tag}.ann@example.com"

    @property
    def new_email(self) -> str:
        return f"{self.tag}.ann.new@example.com"

    def store(self, client: CognitoIdentityProviderClient | None = None) -> CognitoCredentialStore:
        return CognitoCredentialStore(
            client or self.cognito,
            user_pool_id=self.pool.user_pool_id,
            client_id=self.pool.client_id,
        )

    def add_legacy(self, email: str, password: str) -> str:
        (customer_id,) = self.db.customers.insert_legacy(
            [LegacyCustomer(email, "test-sha256", PlainSha256.encode(password))], new_customer_id
        )
        return customer_id

    def add_migrated(self, email: str, password: str) -> str:
        customer_id = new_customer_id()
        store = self.store()
        store.create(customer_id, email)
        store.set_password(customer_id, password)
        self.db.customers.insert_account(customer_id, email)
        return customer_id

    def session_cookie(self, customer_id: str) -> dict[str, str]:
        token, _ = self.db.sessions.create(customer_id, "cookie", user_agent=None, ip=None)
        return {"cookie": f"{COOKIE}={token}"}

    def cognito_users(self) -> dict[str, str]:
        """Username to status of this test's users in the pool."""
        pages = self.cognito.get_paginator("list_users").paginate(
            UserPoolId=self.pool.user_pool_id, Filter=f'email ^= "{self.tag}."'
        )
        return {user["Username"]: user["UserStatus"] for page in pages for user in page["Users"]}


def service(
    db: Database,
    store: CognitoCredentialStore,
    plan: CrashPlan | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> ServiceContext:
    """The service's context; with ``plan``, every step of every flow reaches it.
    ``clock``: the engine's, which judges write fences."""
    plan = plan or CrashPlan()
    faulty = faulty_database(db, plan)
    context = ServiceContext(
        engine=MigrationEngine(
            FaultyRecords(faulty.records, plan),
            FaultyStore(store, plan),
            VerifierRegistry([PlainSha256()]),
            observer=migration_auditor(faulty),
            # A lost answer is injected after the call returned: nothing is in flight.
            write_window=timedelta(0),
            send_timeout=timedelta(0),
            **({"clock": clock} if clock else {}),
        ),
        db=faulty,
        reset_delivery=NoDelivery(),
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
    )
    # Failed logins answer at once: these tests time nothing, and make many of them.
    context.guard.floor = FailureFloor(0.0, ceiling=0.0)
    return context


def send(context: ServiceContext, request: Request) -> httpx.Response:
    with TestClient(create_app(context), raise_server_exceptions=False) as client:
        response: httpx.Response = client.request(
            request.method, request.path, json=request.json, headers=request.headers
        )
    return response


def log_in(client: TestClient, credential: Credential) -> int:
    response = client.post(
        "/store/auth", json={"email": credential.email, "password": credential.password}
    )
    status: int = response.status_code
    return status


@dataclass
class Attempt:
    """One flow, prepared for one customer."""

    request: Request
    before: Credential | None
    """What opens the account if the flow never took effect (None: no account)."""
    after: Credential | None
    """What opens it once the flow took effect."""
    retry: Callable[[World, TestClient, bool], None]
    """Runs the flow again to completion; told whether the first attempt took effect."""


@dataclass(frozen=True)
class Flow:
    name: str
    prepare: Callable[[World], Attempt]
    steps: tuple[str, ...]
    decisive: str
    leaves_unused_store_user: bool = False
    """A crash may leave a Cognito user under an id no live customer has."""

    def took_effect(self, step: str) -> bool:
        return self.steps.index(step) >= self.steps.index(self.decisive)

    def __str__(self) -> str:
        return self.name


# -- the flows -------------------------------------------------------------------------


def _login(world: World) -> Attempt:
    world.add_legacy(world.email, OLD)
    credential = Credential(world.email, OLD)
    # She mistyped once before: the login also clears her failure count.
    typo = send(service(world.db, world.store()), _login_request(Credential(world.email, WRONG)))
    assert typo.status_code == 401

    def retry(world: World, client: TestClient, _: bool) -> None:
        assert log_in(client, credential) == 200
        record = world.db.records.find_by_email(world.email)
        assert record is not None and record.state is CredentialState.COGNITO

    return Attempt(_login_request(credential), credential, credential, retry)


def _login_request(credential: Credential) -> Request:
    return Request(
        "POST", "/store/auth", {"email": credential.email, "password": credential.password}
    )


def _register(world: World) -> Attempt:
    body = {"email": world.email, "password": NEW}

    def retry(world: World, client: TestClient, took_effect: bool) -> None:
        # Once the row is in, the email is taken and the customer simply logs in.
        assert client.post("/store/customers", json=body).status_code == (
            422 if took_effect else 200
        )

    return Attempt(
        Request("POST", "/store/customers", body), None, Credential(world.email, NEW), retry
    )


def _change_password(world: World) -> Attempt:
    customer_id = world.add_migrated(world.email, OLD)

    def retry(world: World, client: TestClient, _: bool) -> None:
        response = client.post(
            "/store/customers/me",
            json={"password": NEW},
            headers=world.session_cookie(customer_id),
        )
        assert response.status_code == 200

    return Attempt(
        Request(
            "POST",
            "/store/customers/me",
            {"password": NEW},
            headers=world.session_cookie(customer_id),
        ),
        Credential(world.email, OLD),
        Credential(world.email, NEW),
        retry,
    )


def _reset(add: Callable[[World, str, str], str]) -> Callable[[World], Attempt]:
    def prepare(world: World) -> Attempt:
        customer_id = add(world, world.email, OLD)
        token, _ = world.db.reset_tokens.issue(customer_id)

        def retry(world: World, client: TestClient, _: bool) -> None:
            fresh, _expires = world.db.reset_tokens.issue(customer_id)
            response = client.post(
                "/store/customers/password-reset",
                json={"email": world.email, "token": fresh, "password": NEW},
            )
            assert response.status_code == 200

        return Attempt(
            Request(
                "POST",
                "/store/customers/password-reset",
                {"email": world.email, "token": token, "password": NEW},
            ),
            Credential(world.email, OLD),
            Credential(world.email, NEW),
            retry,
        )

    return prepare


def _change_email_by_customer(world: World) -> Attempt:
    customer_id = world.add_migrated(world.email, OLD)

    def retry(world: World, client: TestClient, _: bool) -> None:
        response = client.post(
            "/store/customers/me",
            json={"email": world.new_email},
            headers=world.session_cookie(customer_id),
        )
        assert response.status_code == 200

    return Attempt(
        Request(
            "POST",
            "/store/customers/me",
            {"email": world.new_email},
            headers=world.session_cookie(customer_id),
        ),
        Credential(world.email, OLD),
        Credential(world.new_email, OLD),
        retry,
    )


def _change_email_by_admin(world: World) -> Attempt:
    customer_id = world.add_legacy(world.email, OLD)
    path = f"/admin/customers/{customer_id}"

    def retry(world: World, client: TestClient, _: bool) -> None:
        assert client.post(path, json={"email": world.new_email}, headers=ADMIN).status_code == 200

    return Attempt(
        Request("POST", path, {"email": world.new_email}, headers=ADMIN),
        Credential(world.email, OLD),
        Credential(world.new_email, OLD),
        retry,
    )


def _delete(add: Callable[[World, str, str], str]) -> Callable[[World], Attempt]:
    def prepare(world: World) -> Attempt:
        customer_id = add(world, world.email, OLD)
        path = f"/admin/customers/{customer_id}"

        def retry(world: World, client: TestClient, took_effect: bool) -> None:
            assert client.delete(path, headers=ADMIN).status_code == (404 if took_effect else 200)
            # Whatever the crash left behind, the email is free for a new account.
            again = client.post("/store/customers", json={"email": world.email, "password": NEW})
            assert again.status_code == 200
            assert log_in(client, Credential(world.email, NEW)) == 200

        return Attempt(
            Request("DELETE", path, headers=ADMIN), Credential(world.email, OLD), None, retry
        )

    return prepare


_CLAIMED_WRITE = (
    "db.lock",
    "cognito.AdminCreateUser",
    "db.fence_writes",
    "db.commit",
    "db.lock#2",
    "cognito.AdminSetUserPassword",
)
"""A password write (engine rule 6): the claim committed under one lock, the write
sent under the next."""
_LOCKED_LEGACY_PASSWORD = (*_CLAIMED_WRITE, "db.mark_in_store", "db.commit#2")
_LOCKED_COGNITO_PASSWORD = (*_CLAIMED_WRITE, "db.fence_writes#2", "db.commit#2")

FLOWS = (
    Flow(
        "migrating login",
        _login,
        (
            *_LOCKED_LEGACY_PASSWORD,
            "db.audit:migration.succeeded",
            "db.throttle_forget",
            "db.audit:login.succeeded",
            "db.create_session",
            "db.transaction_commit",
        ),
        decisive="db.commit#2",
    ),
    Flow(
        "register",
        _register,
        (
            "cognito.AdminCreateUser",
            "cognito.AdminSetUserPassword",
            "db.insert_account",
            "db.audit:customer.registered",
            "db.create_session",
            "db.transaction_commit",
        ),
        decisive="db.insert_account",
        leaves_unused_store_user=True,
    ),
    Flow(
        "change password",
        _change_password,
        (
            "db.revoke_sessions",
            "db.revoke_reset_tokens",
            *_LOCKED_COGNITO_PASSWORD,
            "db.audit:password.changed",
        ),
        decisive="cognito.AdminSetUserPassword",
    ),
    Flow(
        "reset (legacy customer)",
        _reset(World.add_legacy),
        (
            "db.consume_reset_token",
            "db.revoke_sessions",
            *_LOCKED_LEGACY_PASSWORD,
            "db.revoke_reset_tokens",
            "db.throttle_forget",
            "db.audit:password.reset",
        ),
        decisive="db.commit#2",
    ),
    Flow(
        "reset (migrated customer)",
        _reset(World.add_migrated),
        (
            "db.consume_reset_token",
            "db.revoke_sessions",
            *_LOCKED_COGNITO_PASSWORD,
            "db.revoke_reset_tokens",
            "db.throttle_forget",
            "db.audit:password.reset",
        ),
        decisive="cognito.AdminSetUserPassword",
    ),
    Flow(
        "change email (migrated customer)",
        _change_email_by_customer,
        (
            "db.lock",
            "cognito.AdminUpdateUserAttributes",
            "db.set_email",
            "db.commit",
            "db.audit:email.changed",
        ),
        decisive="db.commit",
    ),
    Flow(
        "change email (legacy customer, by admin)",
        _change_email_by_admin,
        ("db.lock", "db.set_email", "db.commit", "db.audit:email.changed"),
        decisive="db.commit",
    ),
    Flow(
        "delete (migrated customer)",
        _delete(World.add_migrated),
        (
            "db.revoke_sessions",
            "db.lock",
            "db.mark_deleted",
            "db.commit",
            "cognito.AdminDeleteUser",
            "db.audit:customer.deleted",
        ),
        decisive="db.commit",
        leaves_unused_store_user=True,
    ),
    Flow(
        "delete (legacy customer)",
        _delete(World.add_legacy),
        (
            "db.revoke_sessions",
            "db.lock",
            "db.mark_deleted",
            "db.commit",
            "cognito.AdminDeleteUser",
            "db.audit:customer.deleted",
        ),
        decisive="db.commit",
    ),
)

CASES = [(flow, step) for flow in FLOWS for step in flow.steps]
