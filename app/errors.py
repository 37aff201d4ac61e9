"""A small error hierarchy carrying its HTTP status, handled in one place."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorOut(BaseModel):
    """Every error answer: a message, or a list of {loc, msg, type} for invalid fields."""

    detail: str | list[dict[str, Any]]


# Documented on every API route, so clients (and schema checkers) know the error shapes.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the request body cannot be read at all"},
    401: {"model": ErrorOut, "description": "no or invalid token"},
    403: {"model": ErrorOut, "description": "your role may not do this"},
    404: {"model": ErrorOut, "description": "unknown id or key"},
    409: {"model": ErrorOut, "description": "conflicts with what is stored"},
    413: {"model": ErrorOut, "description": "request body too large"},
    422: {"model": ErrorOut, "description": "invalid input; `detail` names the fields"},
    503: {"model": ErrorOut, "description": "busy: the work did not finish in time; retry after Retry-After seconds"},
}


class BesvarError(Exception):
    """Base of every error a user or a file can cause; `status` is the HTTP status."""

    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Unauthorized(BesvarError):
    status = 401


class Forbidden(BesvarError):
    status = 403


class NotFound(BesvarError):
    status = 404


class Conflict(BesvarError):
    status = 409


class TooLarge(BesvarError):
    status = 413


class Unavailable(BesvarError):
    """The server cannot do it now (e.g. rendering timed out under load); try again."""

    status = 503


class HttpError(BesvarError):
    """An HTTP error raised outside Besvar's own code (the router's 404 and 405, an unexpected 500)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


class Invalid(BesvarError):
    """Input that is well-formed but not acceptable; `field` names where."""

    status = 422

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.field = field


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    """Location, message and type of each error, without echoing the input back.

    The raw input may hold lone surrogates that cannot be encoded as JSON, and
    echoing a 1 MB field back helps nobody.
    """
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]


def install_handlers(app: FastAPI) -> None:
    """Map every known error to its status and a JSON `detail`."""

    def page_request(request: Request) -> bool:
        return getattr(request.app.state, "is_page", lambda _r: False)(request)

    @app.exception_handler(BesvarError)
    async def _besvar_error(request: Request, exc: BesvarError):
        if page_request(request):
            return request.app.state.html_error(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {"Retry-After": "30"} if exc.status == 503 else None
        if isinstance(exc, Invalid) and exc.field:
            detail: object = [{"loc": ["body", *exc.field.split(".")], "msg": exc.detail, "type": "value_error"}]
        else:
            detail = exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        if page_request(request):
            return request.app.state.html_error(request, Invalid("Adressen eller formularen indeholder en ugyldig værdi."))
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, _exc: IntegrityError):
        # Services check uniqueness first; this catches the race between two writers.
        if page_request(request):
            return request.app.state.html_error(request, Conflict("conflicts with data stored meanwhile"))
        return JSONResponse({"detail": "conflicts with data stored meanwhile; reload and try again"}, status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        # Unknown paths (404), wrong methods (405) and the like, raised by the router before any handler.
        if page_request(request):
            return request.app.state.html_error(request, HttpError(exc.status_code, str(exc.detail)))
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception):
        # Starlette logs the exception and its traceback after this answer; the user gets no internals.
        if page_request(request):
            return request.app.state.html_error(request, HttpError(500, "internal error"))
        return JSONResponse({"detail": "internal error; it has been logged for the administrators"}, status_code=500)
