"""One JSON error shape for every failure: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from expacti_server.errors import ExpactiError, InvalidRequest, MalformedJSON

log = structlog.get_logger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


class ErrorBody(BaseModel):
    """The body of every error."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorResponse(BaseModel):
    """What every non-2xx response carries."""

    error: ErrorBody


def render(error: ExpactiError) -> JSONResponse:
    """The response for a typed error."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return JSONResponse({"error": error.to_dict()}, status_code=error.status_code, headers=headers)


def install(app: FastAPI) -> None:
    """Route every exception through ``render``; no stack trace ever reaches a client."""

    async def on_expacti_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ExpactiError)
        if exc.status_code >= 500:
            log.error("request_failed", code=exc.code, cause=repr(exc.__cause__))
        return render(exc)

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return render(MalformedJSON("request body is not valid JSON"))
        first = problems[0] if problems else {"loc": [], "message": "invalid"}
        where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"])
        return render(InvalidRequest(f"{where}: {first['message']}", problems=problems))

    async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        body = {"code": code, "message": str(exc.detail), "details": {}}
        return JSONResponse({"error": body}, status_code=exc.status_code, headers=exc.headers)

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", exc_info=exc)
        return render(ExpactiError())

    app.add_exception_handler(ExpactiError, on_expacti_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        401: "Missing or invalid credential",
        403: "The credential's role may not do this",
        404: "No such object in the caller's organisation",
        422: "Invalid request",
    }.items()
}
