"""What a browser may do across origins: CORS for the storefront, and no forged changes.

Two rules, one middleware, in every platform mode:

- **CORS with credentials** for ``/store`` (as Medusa's ``store_cors`` does): an origin
  on the ``HASHLESS_STORE_CORS`` allowlist may call the store API from its pages with
  cookies, and preflights are answered here. Starlette's ``CORSMiddleware`` does the
  work; this module only reads Medusa's allowlist format into it.
- **Cookie-authenticated changes only from allowed origins.** A cookie rides along on
  every request a browser makes, whichever site's page made it, so a ``POST``, ``PUT``,
  ``PATCH`` or ``DELETE`` carrying one of hashless' cookies whose ``Origin`` (or, when
  a browser sends none, ``Referer``) is neither this host nor on the allowlist is
  refused with 403 before anything runs. The admin dashboard's sign-in and sign-out
  forms are held to it with or without a cookie: their ``SameSite=Strict`` cookie does
  not travel cross-site, yet a foreign page must not sign the administrator out.
  A request naming no origin at all is let through: browsers name one on every
  cross-origin change, so it comes from a program, which could send any header anyway.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CORS_METHODS", "BrowserRules", "OriginAllowlist"]

CORS_METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")
"""What Medusa's ``cors`` package allows by default."""

_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ALWAYS_CHECKED = frozenset({"/admin/login", "/admin/logout"})

_JS_REGEX = re.compile(r"^([/~@;%#'])(.*?)\1([gimsuy]*)$")
"""Medusa's ``buildRegexpIfValid``: an entry like ``/pattern/flags`` is a regular
expression; any of these characters may delimit it."""
_PY_FLAGS = {"i": "i", "m": "m", "s": "s"}
"""JavaScript flags with a Python meaning; ``g``, ``u`` and ``y`` change nothing for a test."""


@dataclass(frozen=True)
class OriginAllowlist:
    """The origins allowed to use the store API from a browser, in Medusa's format."""

    origins: tuple[str, ...] = ()
    pattern: str | None = None
    """One Python regex for every ``/regex/`` entry, for a full match of the origin."""

    @classmethod
    def parse(cls, value: str | None) -> OriginAllowlist:
        """Medusa's ``parseCorsOrigins``: comma-separated origins or ``/regex/flags``.

        A JavaScript ``RegExp.test`` finds the pattern anywhere in the origin, so each
        becomes ``.*(?:pattern).*`` for Starlette's full match. Surrounding spaces are
        dropped (Medusa would keep them and then never match the entry).
        """
        origins: list[str] = []
        patterns: list[str] = []
        for entry in (part.strip() for part in (value or "").split(",")):
            if not entry:
                continue
            match = _JS_REGEX.match(entry)
            regex = _python_regex(match[2], match[3]) if match else None
            if regex is None:
                origins.append(entry.rstrip("/"))
            else:
                patterns.append(regex)
        return cls(tuple(origins), "|".join(patterns) or None)

    def allows(self, origin: str) -> bool:
        if origin in self.origins:
            return True
        return self.pattern is not None and re.fullmatch(self.pattern, origin) is not None


def _python_regex(body: str, flags: str) -> str | None:
    inline = "".join(_PY_FLAGS.get(flag, "") for flag in flags)
    regex = f"(?s:.*)(?{inline}:{body})(?s:.*)" if inline else f"(?s:.*)(?:{body})(?s:.*)"
    try:
        re.compile(regex)
    except re.error:
        return None  # as Medusa: an entry that is no valid expression is a plain origin
    return regex


class BrowserRules:
    """CORS for ``/store`` and the origin check for cookie-authenticated changes."""

    def __init__(self, app: ASGIApp, allowlist: OriginAllowlist, cookies: Collection[str]) -> None:
        self.app = app
        self.allowlist = allowlist
        self._cookies = tuple(cookies)
        self._cors = CORSMiddleware(
            app,
            allow_origins=allowlist.origins,
            allow_origin_regex=allowlist.pattern,
            allow_methods=CORS_METHODS,
            allow_headers=["*"],
            allow_credentials=True,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if scope["method"] in _CHANGES:
            headers = Headers(scope=scope)
            refusal = self._refusal(path, headers)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        if path == "/store" or path.startswith("/store/"):
            await self._cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _refusal(self, path: str, headers: Headers) -> JSONResponse | None:
        if path not in _ALWAYS_CHECKED and not self._carries_cookie(headers):
            return None
        origin = _origin_of(headers)
        if origin is None or self._same_origin(origin, headers) or self.allowlist.allows(origin):
            return None
        return JSONResponse(
            {
                "type": "not_allowed",
                "message": (
                    f"A page on {origin} may not change anything here with this site's "
                    "cookies: only this site and the origins in HASHLESS_STORE_CORS may"
                ),
            },
            status_code=403,
            headers={"Vary": "Origin"},
        )

    def _carries_cookie(self, headers: Headers) -> bool:
        cookie = headers.get("cookie", "")
        return any(f"{name}=" in cookie for name in self._cookies)

    @staticmethod
    def _same_origin(origin: str, headers: Headers) -> bool:
        # The scheme is not compared: behind a TLS-terminating proxy this process sees
        # http while the browser says https; the host and port are what a page shares.
        host = headers.get("host")
        return host is not None and urlsplit(origin).netloc == host


def _origin_of(headers: Headers) -> str | None:
    """The origin a browser names for the request: ``Origin``, else the ``Referer``'s."""
    origin = headers.get("origin")
    if origin is not None:
        return origin  # "null" (a sandboxed or privacy-stripped page) matches nothing
    referer = headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
