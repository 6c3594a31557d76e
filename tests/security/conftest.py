"""The security suite drives the same service fixtures as tests/service."""

from tests.service.conftest import (  # noqa: F401
    admin_headers,
    client,
    clock,
    context,
    delivery,
    store,
)
