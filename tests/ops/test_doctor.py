"""``hashless doctor`` against pools that moto can misconfigure: each trap named, with its fix."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from moto.core.authorization import enable_iam_authentication
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
from sqlalchemy import text

from hashless.cli.main import main
from hashless.ops.findings import Finding, Status, render_findings
from hashless.ops.iam import SERVICE_ACTIONS
from hashless.storage import Database, create_database_engine
from tests.ops.conftest import REGION, Pool

Doctor = Callable[..., dict[str, Finding]]
MakePool = Callable[..., Pool]


def _fails(findings: dict[str, Finding]) -> list[str]:
    return [name for name, f in findings.items() if f.status is Status.FAIL]


def test_a_pool_made_the_hashless_way_passes_every_check(
    make_pool: MakePool, doctor: Doctor, sqlite_db: Database
) -> None:
    """A pool as `hashless provision` makes it, a migrated database: no ✗ and no warning."""
    pool_id, client_id, secret = make_pool(secret=True)
    findings = doctor(
        str(sqlite_db.engine.url),
        COGNITO_USER_POOL_ID=pool_id,
        COGNITO_CLIENT_ID=client_id,
        COGNITO_CLIENT_SECRET=secret,
    )
    assert [f.summary for f in findings.values() if f.status is not Status.OK] == []
    assert {f"iam.{a}" for a in SERVICE_ACTIONS} <= set(findings)
    assert "found: COGNITO_ACCESS_KEY_ID" in findings["credentials"].summary


def test_the_iam_probe_leaves_no_user_behind(
    make_pool: MakePool, doctor: Doctor, cognito: CognitoIdentityProviderClient
) -> None:
    """AdminCreateUser is probed with a real user, which doctor deletes again."""
    pool_id, client_id, _ = make_pool()
    findings = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)
    assert findings["iam.AdminCreateUser"].status is Status.OK
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def test_a_pool_name_instead_of_its_id_is_named_with_the_id(
    make_pool: MakePool, doctor: Doctor
) -> None:
    """COGNITO_USER_POOL_ID=<the pool's name>: ✗, and the fix gives the id of that pool."""
    pool_id, client_id, _ = make_pool(name="shop-customers-unique")
    findings = doctor(
        COGNITO_USER_POOL_ID="shop-customers-unique",
        COGNITO_REGION=REGION,
        COGNITO_CLIENT_ID=client_id,
    )
    assert findings["pool"].status is Status.FAIL
    assert "looks like a pool name" in findings["pool"].summary
    assert findings["pool"].fix == (
        f"set COGNITO_USER_POOL_ID={pool_id} (the id of the pool named 'shop-customers-unique')"
    )


def test_a_pool_name_without_a_region_still_says_what_is_wrong(doctor: Doctor) -> None:
    """With no region to look in, the name is still called a name and the fix says what to set."""
    findings = doctor(COGNITO_USER_POOL_ID="shop", COGNITO_CLIENT_ID="x")
    assert findings["region"].status is Status.FAIL
    assert "looks like a pool name" in findings["region"].summary
    assert "COGNITO_REGION" in (findings["region"].fix or "")


def test_a_region_that_contradicts_the_pool_id(make_pool: MakePool, doctor: Doctor) -> None:
    """COGNITO_REGION differing from the region inside the pool id: ✗ with the right region."""
    pool_id, client_id, _ = make_pool()
    findings = doctor(
        COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id, COGNITO_REGION="us-east-1"
    )
    assert findings["region"].status is Status.FAIL
    assert (
        findings["region"].fix
        == f"set COGNITO_REGION={REGION}, or leave it unset (the pool id names it)"
    )


def test_a_pool_that_does_not_exist(doctor: Doctor) -> None:
    """A well-formed pool id with no pool behind it: ✗ naming the id and how to list pools."""
    findings = doctor(COGNITO_USER_POOL_ID=f"{REGION}_DoesNotExist1", COGNITO_CLIENT_ID="x")
    assert findings["pool"].status is Status.FAIL
    assert f"no user pool {REGION}_DoesNotExist1" in findings["pool"].summary
    assert "list-user-pools" in (findings["pool"].fix or "")


def test_a_client_name_instead_of_its_id(make_pool: MakePool, doctor: Doctor) -> None:
    """COGNITO_CLIENT_ID=<the app client's name>: ✗, and the fix gives its id."""
    pool_id, client_id, _ = make_pool()
    findings = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID="hashless-server")
    assert findings["client"].status is Status.FAIL
    assert findings["client"].fix == (
        f"set COGNITO_CLIENT_ID={client_id} (the id of the app client named 'hashless-server')"
    )


def test_a_client_without_the_admin_auth_flow(make_pool: MakePool, doctor: Doctor) -> None:
    """No ALLOW_ADMIN_USER_PASSWORD_AUTH: ✗, Cognito's error quoted, the flow to enable named."""
    pool_id, client_id, _ = make_pool(
        client={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
    )
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)["client.auth-flow"]
    assert finding.status is Status.FAIL
    assert "Auth flow not enabled for this client" in finding.summary
    assert "add ALLOW_ADMIN_USER_PASSWORD_AUTH" in (finding.fix or "")


@pytest.mark.parametrize(
    ("client_has_secret", "configured", "says", "fix"),
    [
        (
            True,
            None,
            "has a secret but COGNITO_CLIENT_SECRET is not set",
            "set COGNITO_CLIENT_SECRET",
        ),
        (
            False,
            "some-secret",
            "COGNITO_CLIENT_SECRET is set but the app client has no secret",
            "unset COGNITO_CLIENT_SECRET",
        ),
        (
            True,
            "not-the-secret",
            "COGNITO_CLIENT_SECRET is not this app client's secret",
            "copy the secret",
        ),
    ],
    ids=["missing", "superfluous", "wrong"],
)
def test_client_secret_configured_exactly_when_the_client_has_one(
    make_pool: MakePool,
    doctor: Doctor,
    client_has_secret: bool,
    configured: str | None,
    says: str,
    fix: str,
) -> None:
    """The secret setting must match the client: missing, superfluous and wrong are each ✗."""
    pool_id, client_id, _ = make_pool(secret=client_has_secret)
    finding = doctor(
        COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id, COGNITO_CLIENT_SECRET=configured
    )["client.secret"]
    assert finding.status is Status.FAIL
    assert says in finding.summary
    assert (finding.fix or "").startswith(fix)
    assert configured is None or configured not in finding.summary + (finding.fix or "")


def test_email_as_the_username_attribute(make_pool: MakePool, doctor: Doctor) -> None:
    """A pool with email as username attribute refuses opaque ids: ✗, and the fix is a new pool."""
    pool_id, client_id, _ = make_pool(pool={"AliasAttributes": [], "UsernameAttributes": ["email"]})
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)["pool.username"]
    assert finding.status is Status.FAIL
    assert "email as its username attribute" in finding.summary
    assert "hashless provision" in (finding.fix or "")


def test_email_as_an_alias_is_fine(make_pool: MakePool, doctor: Doctor) -> None:
    """Email as an alias attribute is explained as compatible."""
    pool_id, client_id, _ = make_pool()
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)["pool.username"]
    assert finding.status is Status.OK
    assert "email is an alias attribute" in finding.summary


def test_case_sensitive_usernames_are_a_warning(make_pool: MakePool, doctor: Doctor) -> None:
    """The API's default (case-sensitive) works with opaque ids but is explained."""
    pool_id, client_id, _ = make_pool(pool={"UsernameConfiguration": {"CaseSensitive": True}})
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)["pool.case"]
    assert finding.status is Status.WARN
    assert "case-sensitive" in finding.summary and "cannot be changed" in (finding.fix or "")


def test_user_existence_errors_not_prevented(make_pool: MakePool, doctor: Doctor) -> None:
    """PreventUserExistenceErrors=LEGACY: a warning with the setting to change."""
    pool_id, client_id, _ = make_pool(client={"PreventUserExistenceErrors": "LEGACY"})
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)[
        "client.user-existence-errors"
    ]
    assert finding.status is Status.WARN
    assert "Prevent user existence errors" in (finding.fix or "")


def test_a_password_policy_that_refuses_legacy_passwords(
    make_pool: MakePool, doctor: Doctor
) -> None:
    """Composition rules and a long minimum: named as refusing legacy passwords and against NIST."""
    pool_id, client_id, _ = make_pool(
        pool={
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireUppercase": True,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": True,
                }
            }
        }
    )
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)[
        "pool.password-policy"
    ]
    assert finding.status is Status.WARN
    assert "requires an upper-case letter, a symbol" in finding.summary
    assert "NIST SP 800-63B says not to impose composition rules" in finding.summary
    assert "minimum length 12 refuses legacy passwords of 8-11 characters" in finding.summary
    assert (finding.fix or "").startswith("set the pool's password policy to minimum length 8")


def test_required_mfa(make_pool: MakePool, doctor: Doctor) -> None:
    """MFA required on the pool: ✗, every login would be a challenge."""
    pool_id, client_id, _ = make_pool(pool={"MfaConfiguration": "ON"})
    finding = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id)["pool.mfa"]
    assert finding.status is Status.FAIL
    assert "MfaConfiguration=OFF" in (finding.fix or "")


@pytest.fixture
def restricted_keys(moto_endpoint: str) -> Callable[[list[str]], dict[str, str]]:
    """Access keys of a moto IAM user allowed only the given Cognito actions."""

    def make(actions: list[str]) -> dict[str, str]:
        iam = boto3.client(
            "iam",
            endpoint_url=moto_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        name = f"hashless-{len(actions)}-{os.urandom(4).hex()}"
        iam.create_user(UserName=name)
        statement = {
            "Effect": "Allow",
            "Action": [f"cognito-idp:{a}" for a in actions],
            "Resource": "*",
        }
        iam.put_user_policy(
            UserName=name,
            PolicyName="hashless",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "COGNITO_ACCESS_KEY_ID": key["AccessKeyId"],
            "COGNITO_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }

    return make


@pytest.fixture
def iam_enforced() -> Iterator[None]:
    """moto evaluates IAM policies for the requests made inside."""
    with enable_iam_authentication():
        yield


def test_missing_iam_actions_are_each_named(
    make_pool: MakePool,
    doctor: Doctor,
    restricted_keys: Callable[[list[str]], dict[str, str]],
    cognito: CognitoIdentityProviderClient,
) -> None:
    """Each service action the policy lacks is ✗ with the grant to add; read actions warn."""
    pool_id, client_id, _ = make_pool()
    keys = restricted_keys(
        ["DescribeUserPool", "DescribeUserPoolClient", "AdminInitiateAuth", "AdminDeleteUser"]
    )
    with enable_iam_authentication():
        findings = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id, **keys)
    assert findings["iam.AdminInitiateAuth"].status is Status.OK
    assert findings["iam.AdminDeleteUser"].status is Status.OK
    for action in ("AdminSetUserPassword", "AdminUpdateUserAttributes", "AdminCreateUser"):
        finding = findings[f"iam.{action}"]
        assert finding.status is Status.FAIL, action
        assert finding.summary == f"IAM denies {action} (hashless needs it)"
        assert (finding.fix or "").startswith(f"allow cognito-idp:{action} on the pool {pool_id}")
    assert findings["iam.ListUsers"].status is Status.WARN
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def test_no_probe_user_is_made_when_it_could_not_be_deleted(
    make_pool: MakePool,
    doctor: Doctor,
    restricted_keys: Callable[[list[str]], dict[str, str]],
    cognito: CognitoIdentityProviderClient,
) -> None:
    """Without AdminDeleteUser, doctor does not create its probe user at all."""
    pool_id, client_id, _ = make_pool()
    keys = restricted_keys(["DescribeUserPool", "DescribeUserPoolClient", "AdminCreateUser"])
    with enable_iam_authentication():
        findings = doctor(COGNITO_USER_POOL_ID=pool_id, COGNITO_CLIENT_ID=client_id, **keys)
    assert findings["iam.AdminDeleteUser"].status is Status.FAIL
    assert findings["iam.AdminCreateUser"].status is Status.SKIP
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def test_no_aws_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, doctor: Doctor
) -> None:
    """No keys, no profile, no role: ✗ with the ways to give credentials; Cognito is not called."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    findings = doctor(
        COGNITO_USER_POOL_ID=f"{REGION}_Abc123",
        COGNITO_CLIENT_ID="x",
        COGNITO_ACCESS_KEY_ID=None,
        COGNITO_SECRET_ACCESS_KEY=None,
    )
    assert findings["credentials"].status is Status.FAIL
    assert "IAM role" in (findings["credentials"].fix or "")
    assert "pool" not in findings


def test_database_problems(tmp_path: Path, doctor: Doctor) -> None:
    """Unset and unreachable databases are each ✗ with their fix."""
    unset = doctor()["database"]
    assert unset.status is Status.FAIL and "HASHLESS_DATABASE_URL is not set" in unset.summary
    unreachable = doctor("postgresql+psycopg://nobody:s3cret@127.0.0.1:1/none")["database"]
    assert unreachable.status is Status.FAIL and "cannot reach the database" in unreachable.summary
    assert "s3cret" not in unreachable.summary + (unreachable.fix or "")


def test_a_schema_serve_brings_up_is_a_note_not_a_failure(tmp_path: Path, doctor: Doctor) -> None:
    """An empty database (right after provision) or an older hashless revision: serve and
    migrate bring them up themselves, so doctor notes it and does not fail."""
    empty = doctor(f"sqlite:///{tmp_path}/empty.db")["database"]
    assert empty.status is Status.NOTE and "empty" in empty.summary
    assert "hashless serve" in (empty.fix or "") and "hashless migrate" in (empty.fix or "")

    old = create_database_engine(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", "hashless.storage:migrations")
    config.attributes["engine"] = old
    command.upgrade(config, "0001")
    old.dispose()
    behind = doctor(f"sqlite:///{tmp_path}/old.db")["database"]
    assert behind.status is Status.NOTE and "schema at 0001" in behind.summary
    assert "pending" in behind.summary
    assert "✗" not in render_findings([empty, behind])


def test_a_newer_schema_or_another_apps_database_fails(tmp_path: Path, doctor: Doctor) -> None:
    """A revision this code does not know, or tables without a hashless version (the
    store's own database): ✗ with the fix."""
    newer = create_database_engine(f"sqlite:///{tmp_path}/newer.db")
    with newer.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('9999_from_the_future')"))
    newer.dispose()
    ahead = doctor(f"sqlite:///{tmp_path}/newer.db")["database"]
    assert ahead.status is Status.FAIL and "'9999_from_the_future'" in ahead.summary
    assert "newer hashless" in ahead.summary

    medusa = create_database_engine(f"sqlite:///{tmp_path}/medusa.db")
    with medusa.begin() as connection:
        connection.execute(text("CREATE TABLE customer (id TEXT PRIMARY KEY, email TEXT)"))
    medusa.dispose()
    foreign = doctor(f"sqlite:///{tmp_path}/medusa.db")["database"]
    assert foreign.status is Status.FAIL and "not hashless'" in foreign.summary
    assert "(customer)" in foreign.summary and "database of its own" in (foreign.fix or "")


def test_doctor_passes_right_after_provision(moto_endpoint: str, tmp_path: Path) -> None:
    """`hashless provision`, then `hashless doctor` before the first serve: exit 0."""
    keys = {
        "COGNITO_ACCESS_KEY_ID": "testing",
        "COGNITO_SECRET_ACCESS_KEY": "testing",
        "COGNITO_ENDPOINT_URL": moto_endpoint,
    }
    made = CliRunner().invoke(main, ["provision", "--region", REGION], env=keys)
    assert made.exit_code == 0, made.output
    pool = dict(line.split("=", 1) for line in made.stdout.splitlines() if "=" in line)
    env = keys | pool | {"HASHLESS_DATABASE_URL": f"sqlite:///{tmp_path}/new.db"}
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 0, result.output
    assert "i database reachable and empty" in result.stdout


def _cli_env(moto_endpoint: str, pool_id: str, client_id: str, database_url: str) -> dict[str, str]:
    return {
        "COGNITO_USER_POOL_ID": pool_id,
        "COGNITO_CLIENT_ID": client_id,
        "COGNITO_ACCESS_KEY_ID": "testing",
        "COGNITO_SECRET_ACCESS_KEY": "testing",
        "COGNITO_ENDPOINT_URL": moto_endpoint,
        "HASHLESS_DATABASE_URL": database_url,
    }


def test_cli_exit_status_and_json(
    make_pool: MakePool, moto_endpoint: str, sqlite_db: Database
) -> None:
    """`hashless doctor` exits 0 on a good set-up and 1 on any ✗; --json carries each fix."""
    runner = CliRunner()
    pool_id, client_id, _ = make_pool()
    env = _cli_env(moto_endpoint, pool_id, client_id, str(sqlite_db.engine.url))
    good = runner.invoke(main, ["doctor"], env=env)
    assert good.exit_code == 0, good.output
    assert "✗" not in good.output and "✓ IAM allows AdminCreateUser" in good.output

    bad_pool, bad_client, _ = make_pool(client={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]})
    env = _cli_env(moto_endpoint, bad_pool, bad_client, str(sqlite_db.engine.url))
    bad = runner.invoke(main, ["doctor", "--json"], env=env)
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert report["ok"] is False
    (auth_flow,) = [c for c in report["checks"] if c["check"] == "client.auth-flow"]
    assert auth_flow["status"] == "fail" and "ALLOW_ADMIN_USER_PASSWORD_AUTH" in auth_flow["fix"]


def test_policy_prints_the_least_privilege_policy_for_the_pool_arn(
    make_pool: MakePool, moto_endpoint: str, sqlite_db: Database
) -> None:
    """`hashless policy` reads the pool's ARN and grants exactly the five service actions."""
    pool_id, client_id, _ = make_pool()
    env = _cli_env(moto_endpoint, pool_id, client_id, str(sqlite_db.engine.url))
    result = CliRunner().invoke(main, ["policy"], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (statement,) = document["Statement"]
    assert statement["Resource"] == f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{pool_id}"
    assert statement["Action"] == [f"cognito-idp:{a}" for a in SERVICE_ACTIONS]

    operator = CliRunner().invoke(
        main, ["policy", "--operator", "--account-id", "111122223333"], env=env
    )
    statements = json.loads(operator.stdout)["Statement"]
    assert [s["Sid"] for s in statements] == ["HashlessService", "HashlessDoctorAndReconcile"]
    assert statements[1]["Resource"].endswith(f":111122223333:userpool/{pool_id}")
    assert "cognito-idp:ListUsers" in statements[1]["Action"]
