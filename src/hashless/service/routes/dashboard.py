"""``/admin``: the migration dashboard, server-rendered, behind the admin token.

The token is typed once into a form; the browser then keeps a signed session cookie
(``hashless.service.admin_session``), ``HttpOnly`` and ``SameSite=Strict``. The page
runs no script, and its Content-Security-Policy allows none.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from hashless.ops.status import collect_status
from hashless.service.admin_session import AdminSessions
from hashless.service.auth import Context, check_admin_token, origin_of
from hashless.service.charts import SERIES, migration_chart
from hashless.service.context import ServiceContext
from hashless.service.metrics import RECENT_CALLS

__all__ = ["router"]

router = APIRouter(tags=["dashboard"], include_in_schema=False)

_templates = Environment(
    loader=PackageLoader("hashless.service", "templates"),
    autoescape=select_autoescape(["html"]),
)

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": under it a browser sends ``Origin: null`` with the page's own
    # form posts, and the origin check (service/browser.py) must refuse a null origin.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

HISTORY_DAYS = 30


def _page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _signed_in(request: Request, ctx: ServiceContext) -> bool:
    if ctx.admin_token is None:
        return False
    return AdminSessions(ctx.admin_token).valid(request.cookies.get(ctx.admin_cookie_name))


@router.get("/admin", response_class=HTMLResponse)
def dashboard(request: Request, ctx: Context) -> HTMLResponse:
    if ctx.admin_token is None:
        return _page("login.html", 401, enabled=False)
    if not _signed_in(request, ctx):
        return _page("login.html", enabled=True, error=None)
    report = collect_status(ctx.db, ctx.verifiers, days=HISTORY_DAYS)
    events, _ = ctx.db.audit.search(limit=25)
    return _page(
        "dashboard.html",
        report=report,
        chart=migration_chart(report.history),
        series=SERIES,
        events=events,
        health=ctx.metrics.cognito_health(),
        recent_limit=RECENT_CALLS,
    )


@router.post("/admin/login")
async def sign_in(request: Request, ctx: Context) -> Response:
    if ctx.admin_token is None:
        return _page("login.html", 401, enabled=False)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0]
    wait = await run_in_threadpool(
        check_admin_token, ctx, given, origin_of(request), audit_success=True
    )
    if wait is not None:
        error = (
            f"Too many failed attempts: try again in {wait} seconds."
            if wait
            else "That is not the admin token."
        )
        return _page("login.html", 429 if wait else 401, enabled=True, error=error)
    response = RedirectResponse("/admin", status_code=303, headers=_HEADERS)
    sessions = AdminSessions(ctx.admin_token)
    response.set_cookie(
        ctx.admin_cookie_name,
        sessions.issue(),
        max_age=int(sessions.lifetime.total_seconds()),
        path="/",
        secure=ctx.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/admin/logout")
def sign_out(ctx: Context) -> Response:
    response = RedirectResponse("/admin", status_code=303, headers=_HEADERS)
    response.delete_cookie(
        ctx.admin_cookie_name, path="/", secure=ctx.cookie_secure, httponly=True, samesite="strict"
    )
    return response
