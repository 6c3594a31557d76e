"""Turn a Cognito outage into a 503 page, and a refusal into a 409, instead of a 500.

Optional: without it an outage is still an error page (Django's 500), never a
"wrong password". With it the answer is ``503 Service Unavailable`` with
``Retry-After``, rendered from ``hashless/unavailable.html``, and a call Cognito
refused for good (``CredentialStoreRefused``, e.g. an email another user of a shared
pool holds) is ``409 Conflict`` from ``hashless/refused.html`` (override either in your
templates); no error report is mailed for what is not a bug. It also pads a failed
login once its page is rendered, not before (``hashless.django.timing``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from hashless.django import timing
from hashless.errors import CredentialStoreRefused, CredentialStoreUnavailable

__all__ = ["CredentialStoreUnavailableMiddleware"]

log = logging.getLogger("hashless.django")

TEMPLATE = "hashless/unavailable.html"
_FALLBACK = "Sign-in is unavailable for a moment. Please try again shortly.\n"
REFUSED_TEMPLATE = "hashless/refused.html"
_REFUSED_FALLBACK = (
    "The account service refused this request. Repeating it will not help; "
    "please contact support.\n"
)


class CredentialStoreUnavailableMiddleware:
    """``process_exception``: ``CredentialStoreUnavailable`` becomes a 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timing.defer_to_response()
        response = self.get_response(request)
        timing.pad_response()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CredentialStoreRefused):
            # The text names the operation and Cognito's code: for the operator only.
            log.warning("credential store refused path=%s: %s", request.path, exception)
            return _page(request, 409, REFUSED_TEMPLATE, {}, _REFUSED_FALLBACK)
        if not isinstance(exception, CredentialStoreUnavailable):
            return None
        # The exception's text names the operation only; never a password or secret.
        log.warning(
            "credential store unavailable path=%s error=%s: %s",
            request.path,
            type(exception).__name__,
            exception,
        )
        context = {"retry_after": exception.retry_after}
        response = _page(request, 503, TEMPLATE, context, _FALLBACK)
        response["Retry-After"] = str(exception.retry_after)
        return response


def _page(
    request: HttpRequest, status: int, template: str, context: dict[str, int], fallback: str
) -> HttpResponse:
    """``template`` rendered, or ``fallback`` as plain text if the project removed it."""
    body: str
    try:
        body = render_to_string(template, context, request=request)
        content_type = "text/html; charset=utf-8"
    except TemplateDoesNotExist:
        body, content_type = fallback, "text/plain; charset=utf-8"
    return HttpResponse(body, status=status, content_type=content_type)
