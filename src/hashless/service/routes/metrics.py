"""``/metrics``: Prometheus' text format, behind the admin token like the admin API.

Scrape with ``authorization: {type: Bearer, credentials: <HASHLESS_ADMIN_TOKEN>}``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from hashless.service.auth import Admin, Context

__all__ = ["router"]

router = APIRouter(tags=["metrics"], dependencies=[Admin], include_in_schema=False)


@router.get("/metrics")
def metrics(ctx: Context) -> Response:
    return Response(ctx.metrics.exposition(ctx.db), media_type=CONTENT_TYPE_LATEST)
