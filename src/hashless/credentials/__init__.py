"""Where passwords finally live: the Cognito credential store, and an in-memory one for tests."""

from hashless.credentials.client import make_cognito_client, silence_botocore_wire_logging
from hashless.credentials.cognito import CognitoCredentialStore, secret_hash
from hashless.credentials.memory import InMemoryCredentialStore
from hashless.credentials.protocol import CredentialStore
from hashless.credentials.provision import ProvisionedPool, provision_pool, render_settings

__all__ = [
    "CognitoCredentialStore",
    "CredentialStore",
    "InMemoryCredentialStore",
    "ProvisionedPool",
    "make_cognito_client",
    "provision_pool",
    "render_settings",
    "secret_hash",
    "silence_botocore_wire_logging",
]
