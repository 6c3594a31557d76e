"""Medusa-shaped error answers: ``{"type", "message"}`` with Medusa's status codes."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from hashless.errors import (
    AccountExists,
    CredentialStoreMisconfigured,
    CredentialStoreRefused,
    CredentialStoreUnavailable,
    HashlessError,
    InvalidCredentials,
    InvalidResetToken,
    PasswordRejected,
    ReauthenticationRequired,
    TooManyAttempts,
)

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("hashless.service")

_HTTP_TYPES = {400: "invalid_data", 401: "unauthorized", 404: "not_found", 422: "duplicate_error"}


def error_response(
    status: int,
    type_: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    code: str | None = None,
) -> JSONResponse:
    body = {"type": type_, "message": message}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status, headers=headers)


def _hashless_error(request: Request, exc: Exception) -> JSONResponse:
    match exc:
        case InvalidCredentials():
            # One body for unknown email and wrong password alike.
            return error_response(401, "unauthorized", "Wrong email or password")
        case InvalidResetToken():
            return error_response(401, "unauthorized", str(exc))
        case AccountExists():
            return error_response(422, "duplicate_error", str(exc), code="invalid_request_error")
        case PasswordRejected():
            return error_response(400, "invalid_data", exc.reason)
        case TooManyAttempts():
            return error_response(
                429, "not_allowed", str(exc), headers={"Retry-After": str(exc.retry_after)}
            )
        case ReauthenticationRequired():
            return error_response(400, "not_allowed", str(exc))
        case CredentialStoreUnavailable():
            log.warning("credential store unavailable: %s", exc)
            return error_response(
                503,
                "unavailable",
                "Sign-in is temporarily unavailable. Please try again shortly.",
                headers={"Retry-After": str(exc.retry_after)},
            )
        case CredentialStoreRefused():
            # The detail (the store's code) is for the operator; the customer learns
            # only that repeating will not help.
            log.warning("credential store refused: %s", exc)
            return error_response(
                409,
                "not_allowed",
                "The account service refused this request. Repeating it will not help; "
                "please contact support.",
            )
        case CredentialStoreMisconfigured():
            log.error("%s", exc)
            return error_response(500, "unknown_error", "An unknown error occurred.")
        case _:
            log.error("unexpected hashless error %s", type(exc).__name__)
            return error_response(500, "unknown_error", "An unknown error occurred.")


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI's default body echoes the input, which may be a password: name fields only.
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return error_response(400, "invalid_data", "; ".join(parts) or "Invalid request")


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    type_ = _HTTP_TYPES.get(
        exc.status_code, "not_allowed" if exc.status_code < 500 else "unknown_error"
    )
    return error_response(exc.status_code, type_, str(exc.detail), headers=exc.headers)


def _unstorable(request: Request, exc: Exception) -> JSONResponse:
    # A value the database cannot hold (a NUL in a query parameter on PostgreSQL):
    # the client's mistake, never a server error.
    return error_response(
        400, "invalid_data", "The request contains characters that cannot be stored"
    )


def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    # Every pooled database connection stayed busy for the pool's whole timeout: an
    # overload that passes, so 503 + Retry-After, and the connection stays open (an
    # unhandled error would answer 500 and close it).
    log.warning("database connection pool exhausted on %s %s", request.method, request.url.path)
    return error_response(
        503,
        "unavailable",
        "The service is busy. Please try again shortly.",
        headers={"Retry-After": "1"},
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "unknown_error", "An unknown error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HashlessError, _hashless_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
