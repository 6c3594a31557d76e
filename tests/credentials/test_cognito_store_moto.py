"""CognitoCredentialStore and provisioning end to end against a moto server.

moto does not check SECRET_HASH, lockouts or auth flows; those behaviours are pinned
with a Stubber in test_cognito_store_errors.py.
"""

from __future__ import annotations

import pytest
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool, provision_pool
from hashless.errors import CredentialStoreMisconfigured, InvalidCredentials, PasswordRejected

USERNAME = "01HZX3K9Q8M6T2V4W7Y5B1C0D9"
PASSWORD = "correct horse battery staple"


def store_for(
    client: CognitoIdentityProviderClient, pool: ProvisionedPool
) -> CognitoCredentialStore:
    return CognitoCredentialStore(
        client,
        user_pool_id=pool.user_pool_id,
        client_id=pool.client_id,
        client_secret=pool.client_secret,
    )


def email_of(client: CognitoIdentityProviderClient, pool: ProvisionedPool) -> str | None:
    user = client.admin_get_user(UserPoolId=pool.user_pool_id, Username=USERNAME)
    attributes = {a["Name"]: a.get("Value") for a in user.get("UserAttributes", [])}
    assert attributes.get("email_verified") == "true"
    return attributes.get("email")


@pytest.mark.parametrize("generate_secret", [False, True], ids=["no-secret", "secret"])
def test_full_lifecycle(moto_client: CognitoIdentityProviderClient, generate_secret: bool) -> None:
    """Provision, create, set, check, wrong password, update email, delete twice, recreate."""
    pool = provision_pool(moto_client, generate_secret=generate_secret)
    assert (pool.client_secret is not None) is generate_secret
    store = store_for(moto_client, pool)

    assert store.create(USERNAME, "ada@example.com") is True
    assert store.create(USERNAME, "ada@example.com") is False

    # Created but no password yet: nothing opens the account.
    with pytest.raises(InvalidCredentials):
        store.check(USERNAME, PASSWORD)

    store.set_password(USERNAME, PASSWORD)
    store.check(USERNAME, PASSWORD)
    with pytest.raises(InvalidCredentials):
        store.check(USERNAME, PASSWORD + "!")

    store.update_email(USERNAME, "ada.lovelace@example.com")
    assert email_of(moto_client, pool) == "ada.lovelace@example.com"
    store.check(USERNAME, PASSWORD)

    store.set_password(USERNAME, PASSWORD + " v2")
    with pytest.raises(InvalidCredentials):
        store.check(USERNAME, PASSWORD)
    store.check(USERNAME, PASSWORD + " v2")

    store.delete(USERNAME)
    store.delete(USERNAME)
    with pytest.raises(InvalidCredentials):
        store.check(USERNAME, PASSWORD + " v2")
    assert store.create(USERNAME, "ada@example.com") is True


def test_unknown_user_is_invalid_credentials(moto_client: CognitoIdentityProviderClient) -> None:
    """Checking a user the pool never saw reads exactly like a wrong password."""
    store = store_for(moto_client, provision_pool(moto_client))
    with pytest.raises(InvalidCredentials) as caught:
        store.check("never-created", PASSWORD)
    assert str(caught.value) == str(InvalidCredentials())


def test_policy_refusal_is_password_rejected(moto_client: CognitoIdentityProviderClient) -> None:
    """A password under the pool's 8-character minimum is PasswordRejected, not an outage."""
    store = store_for(moto_client, provision_pool(moto_client))
    store.create(USERNAME, "ada@example.com")
    with pytest.raises(PasswordRejected) as caught:
        store.set_password(USERNAME, "short")
    assert "short" not in caught.value.reason


def test_composition_rules_are_off(moto_client: CognitoIdentityProviderClient) -> None:
    """NIST policy: an all-lowercase 8-character password is accepted."""
    store = store_for(moto_client, provision_pool(moto_client))
    store.create(USERNAME, "ada@example.com")
    store.set_password(USERNAME, "abcdefgh")
    store.check(USERNAME, "abcdefgh")


def test_wrong_pool_id_is_misconfigured(moto_client: CognitoIdentityProviderClient) -> None:
    """A pool name where the pool id belongs is a misconfiguration with the fix."""
    pool = provision_pool(moto_client)
    store = CognitoCredentialStore(moto_client, user_pool_id="hashless", client_id=pool.client_id)
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        store.check(USERNAME, PASSWORD)
    assert "pool *id*" in caught.value.fix


def test_wrong_client_id_is_misconfigured(moto_client: CognitoIdentityProviderClient) -> None:
    """An unknown app client id is a misconfiguration, not a wrong password."""
    pool = provision_pool(moto_client)
    store = CognitoCredentialStore(
        moto_client, user_pool_id=pool.user_pool_id, client_id="unknownclient"
    )
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        store.check(USERNAME, PASSWORD)
    assert "COGNITO_CLIENT_ID" in caught.value.fix
