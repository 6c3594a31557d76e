"""Turn a Cognito outage into a 503 page instead of a 500.

Optional: without it an outage is still an error page (Django's 500), never a
"wrong password". With it the answer is ``503 Service Unavailable`` with
``Retry-After``, rendered from ``hashless/unavailable.html`` (override it in your
templates), and no error report is mailed for what is not a bug. It also pads a failed
login once its page is rendered, not before (``hashless.django.timing``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from hashless.django import timing
from hashless.errors import CredentialStoreUnavailable

__all__ = ["CredentialStoreUnavailableMiddleware"]

log = logging.getLogger("hashless.django")

TEMPLATE = "hashless/unavailable.html"
_FALLBACK = "Sign-in is unavailable for a moment. Please try again shortly.\n"


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
        if not isinstance(exception, CredentialStoreUnavailable):
            return None
        # The exception's text names the operation only; never a password or secret.
        log.warning(
            "credential store unavailable path=%s error=%s: %s",
            request.path,
            type(exception).__name__,
            exception,
        )
        body: str
        try:
            body = render_to_string(
                TEMPLATE, {"retry_after": exception.retry_after}, request=request
            )
            content_type = "text/html; charset=utf-8"
        except TemplateDoesNotExist:
            body, content_type = _FALLBACK, "text/plain; charset=utf-8"
        response = HttpResponse(body, status=503, content_type=content_type)
        response["Retry-After"] = str(exception.retry_after)
        return response
