"""provision_pool and render_settings: the pool hashless expects, and its env lines."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.provision import ProvisionedPool, provision_pool, render_settings
from hashless.errors import CredentialStoreMisconfigured, CredentialStoreThrottled

Stubbed = tuple[CognitoIdentityProviderClient, Stubber]

SECRET = "1example23456789abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.mark.parametrize("generate_secret", [False, True], ids=["no-secret", "secret"])
def test_pool_settings(moto_client: CognitoIdentityProviderClient, generate_secret: bool) -> None:
    """NIST password policy, case-insensitive usernames, email alias, admin-only sign-up,
    and an app client limited to the admin password flow with existence errors hidden."""
    pool = provision_pool(
        moto_client, pool_name="shop", client_name="shop-server", generate_secret=generate_secret
    )
    assert pool.region == "eu-west-1"
    described = moto_client.describe_user_pool(UserPoolId=pool.user_pool_id)["UserPool"]
    assert described.get("Name") == "shop"
    assert described.get("Policies", {}).get("PasswordPolicy") == {
        "MinimumLength": 8,
        "RequireUppercase": False,
        "RequireLowercase": False,
        "RequireNumbers": False,
        "RequireSymbols": False,
    }
    assert described.get("UsernameConfiguration") == {"CaseSensitive": False}
    assert described.get("AliasAttributes") == ["email"]
    assert not described.get("UsernameAttributes")
    assert described.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly") is True
    assert described.get("MfaConfiguration") == "OFF"

    app = moto_client.describe_user_pool_client(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id
    )["UserPoolClient"]
    assert app.get("ClientName") == "shop-server"
    assert sorted(app.get("ExplicitAuthFlows", [])) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    assert app.get("PreventUserExistenceErrors") == "ENABLED"
    assert app.get("ClientSecret") == pool.client_secret


def test_render_settings_without_secret_or_endpoint() -> None:
    """Region, pool id and client id only, one KEY=value per line."""
    pool = ProvisionedPool("eu-west-1_AbC123", "clientid", None, "eu-west-1")
    assert render_settings(pool) == (
        "COGNITO_REGION=eu-west-1\n"
        "COGNITO_USER_POOL_ID=eu-west-1_AbC123\n"
        "COGNITO_CLIENT_ID=clientid\n"
    )


def test_render_settings_with_secret_and_endpoint() -> None:
    """The secret and an endpoint override are added when present."""
    pool = ProvisionedPool("eu-west-1_AbC123", "clientid", SECRET, "eu-west-1")
    lines = render_settings(pool, endpoint_url="http://localhost:5000").splitlines()
    assert lines == [
        "COGNITO_REGION=eu-west-1",
        "COGNITO_USER_POOL_ID=eu-west-1_AbC123",
        "COGNITO_CLIENT_ID=clientid",
        f"COGNITO_CLIENT_SECRET={SECRET}",
        "COGNITO_ENDPOINT_URL=http://localhost:5000",
    ]


def test_repr_hides_the_secret() -> None:
    """Printing a ProvisionedPool never prints the client secret."""
    pool = ProvisionedPool("eu-west-1_AbC123", "clientid", SECRET, "eu-west-1")
    assert SECRET not in repr(pool)
    assert SECRET not in str(pool)


def test_denied_pool_creation_names_the_iam_action(stubbed: Stubbed) -> None:
    """AccessDenied on CreateUserPool is a misconfiguration naming that IAM action."""
    client, stubber = stubbed
    stubber.add_client_error("create_user_pool", "AccessDeniedException", "denied")
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        provision_pool(client)
    assert "cognito-idp:CreateUserPool" in caught.value.fix
    assert caught.value.__context__ is None


def test_failed_client_creation_removes_the_pool(stubbed: Stubbed) -> None:
    """If the app client cannot be made, the new pool is deleted and the error raised."""
    client, stubber = stubbed
    stubber.add_response("create_user_pool", {"UserPool": {"Id": "eu-west-1_New123"}})
    stubber.add_client_error("create_user_pool_client", "LimitExceededException", "too many")
    stubber.add_response("delete_user_pool", {}, {"UserPoolId": "eu-west-1_New123"})
    with pytest.raises(CredentialStoreThrottled):
        provision_pool(client)
