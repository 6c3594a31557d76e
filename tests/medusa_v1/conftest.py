"""The service's fixtures (context on each database, fake Cognito) for the Medusa v1 tests."""

from tests.service.conftest import clock, context, delivery, store

__all__ = ["clock", "context", "delivery", "store"]
