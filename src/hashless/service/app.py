"""The FastAPI application: Medusa v1 store routes, hashless' admin routes, health."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from hashless import __version__
from hashless.service.browser import BrowserRules
from hashless.service.context import ServiceContext
from hashless.service.errors import install_error_handlers
from hashless.service.metrics import LoginMetricsMiddleware
from hashless.service.request_id import RequestIdMiddleware
from hashless.service.routes import admin, dashboard, metrics, store_auth, store_customers

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 64 * 1024


_YOUNG_THRESHOLD = 20_000
"""Allocations between young collections (CPython's default is 700): a login allocates
thousands of short-lived objects, almost all freed by reference counting, and each
collection of the young generation walks the survivors of the moment again."""


def _settle_garbage_collector() -> None:
    """Spare the collector the objects of start-up, which live as long as the process.

    Frozen, the modules, models, routes and clients built so far are never traversed
    again; before this, the collector's work was 4-5 % of a login's CPU (``perf`` of a
    server under load). Cycles made later are collected as before.
    """
    if gc.get_freeze_count():
        return  # once a process: a later app (tests build many) is collected as usual
    gc.collect()
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(young, _YOUNG_THRESHOLD), older, oldest)


def create_app(context: ServiceContext) -> FastAPI:
    """An app serving ``context``; tests pass one built on fakes."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Handlers are sync (boto3 and hashing block), so they run in this pool: size it
        # to the concurrency the Cognito and database pools were sized for.
        to_thread.current_default_thread_limiter().total_tokens = context.concurrency
        _settle_garbage_collector()
        yield
        if context.loop_logins is not None:
            await context.loop_logins.aclose()
        context.metrics.close()

    app = FastAPI(
        title="hashless",
        version=__version__,
        summary="Medusa v1 compatible customer auth with passwords held in AWS Cognito.",
        lifespan=lifespan,
        # Refused before parsing: no customer or auth body comes near this size.
        max_body_size=MAX_BODY_BYTES,
    )
    app.add_middleware(
        BrowserRules,
        allowlist=context.store_cors,
        cookies=(context.cookie_name, context.admin_cookie_name),
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(LoginMetricsMiddleware, metrics=context.metrics)
    app.state.context = context
    install_error_handlers(app)
    app.include_router(store_auth.router)
    app.include_router(store_customers.router)
    if context.host.serves_profile:
        app.include_router(store_customers.profile_router)
    app.include_router(admin.router)
    app.include_router(dashboard.router)
    app.include_router(metrics.router)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
