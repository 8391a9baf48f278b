"""Error bodies of §1.3: `{"error": ...}` for handler errors, `{"msg": ...}` for the JWT layer, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, DisconnectionError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from triboka_api.db import DatabaseBusyError
from triboka_api.domain.errors import (
    ConflictError,
    DomainError,
    ExternalServiceError,
    ExternalTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from triboka_api.security.tokens import TokenError

logger = logging.getLogger("triboka_api.errors")


class ApiError(Exception):
    """A handler-level refusal: validation (400), permission (403), not found (404), conflict (409)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class IntegrationError(Exception):
    """An error of the API-key integration routes (§1.3, §5.9): `{"error": <short>, "message": <long>}`."""

    def __init__(self, status_code: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.error, self.message = status_code, error, message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def forbidden(message: str = "Permission denied") -> ApiError:
    return ApiError(403, message)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in {"query", "path", "body"})
    return f"Invalid value for '{where}': {first.get('msg', 'invalid')}" if where else "Invalid request"


# each kind of domain refusal and the status the contract gives it
_DOMAIN_STATUS: dict[type[DomainError], int] = {
    RuleViolationError: 400,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    ExternalTimeoutError: 504,  # before its base class: the first match wins
    ExternalServiceError: 502,
}


def domain_status(exc: DomainError) -> int:
    return next(status for kind, status in _DOMAIN_STATUS.items() if isinstance(exc, kind))


_HTTP_MESSAGES = {404: "Not found", 405: "Method not allowed"}


# SQLSTATE classes of a database that is going away, restarting or full: 08 connection exception, 53 insufficient
# resources (too many connections), 57P operator intervention (admin shutdown, crash shutdown, cannot connect now)
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


def _database_unavailable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def _unavailable(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=503, headers={"Retry-After": "1"})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status_code)

    @app.exception_handler(IntegrationError)
    async def _integration_error(_: Request, exc: IntegrationError) -> JSONResponse:
        return JSONResponse({"error": exc.error, "message": exc.message}, status_code=exc.status_code)

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=domain_status(exc))

    @app.exception_handler(TokenError)
    async def _token_error(_: Request, exc: TokenError) -> JSONResponse:
        return JSONResponse({"msg": exc.msg, "error": exc.msg}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _validation_message(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, _: ClientDisconnect) -> Response:
        """The client hung up before its body arrived: nobody to answer, nothing to log as an error."""
        logger.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=499)

    @app.exception_handler(DatabaseBusyError)
    async def _database_busy(_: Request, __: DatabaseBusyError) -> JSONResponse:
        return _unavailable("The database is busy; try again shortly")

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if _database_unavailable(exc):
            logger.warning(
                "database unavailable during %s %s: %s", request.method, request.url.path, exc.orig
            )
            return _unavailable("The database is unavailable; try again shortly")
        return await _unhandled(request, exc)

    @app.exception_handler(DisconnectionError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def _database_unreachable(request: Request, exc: Exception) -> JSONResponse:
        """Opening a connection failed (refused, reset or timed out): the database is down or restarting."""
        logger.warning("database unreachable during %s %s: %r", request.method, request.url.path, exc)
        return _unavailable("The database is unavailable; try again shortly")

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": "Internal server error"}, status_code=500)
