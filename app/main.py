"""create_app(): routers, error handlers, the request size limit."""

import gc
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__, formatting
from app.approval.routes import router as approval_router
from app.audit.routes import router as audit_router
from app.auth.routes import router as accounts_router
from app.bank.routes import router as bank_router
from app.config import Settings, get_settings
from app.contributions.routes import router as contributions_router
from app.coordination.routes import router as coordination_router
from app.db import make_engine, read_only
from app.dispatch.routes import router as dispatch_router
from app.errors import TooLarge, install_handlers
from app.exports.routes import router as export_router
from app.inquiries.routes import router as inquiries_router
from app.intake.routes import router as intake_router
from app.letters.routes import inquiry_router as decline_router
from app.letters.routes import router as letters_router
from app.library.routes import router as library_router
from app.mail.routes import router as mail_router
from app.organisations.routes import router as organisations_router
from app.publication.routes import router as publication_router
from app.rendering import pool
from app.rendering.routes import router as documents_router
from app.reports.routes import router as reports_router
from app.web import setup as web_setup
from app.web.render import error_page


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, before anything parses them.

    Counts the bytes received, so a missing or false Content-Length does not get past it.
    """

    def __init__(self, app: ASGIApp, limit: int, uploads: int = 0, upload_paths: tuple[str, ...] = ()):
        self.app, self.default, self.uploads, self.upload_paths = app, limit, max(uploads, limit), upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        # A path ending in "/" names every path under it (the contribution pages, whose links carry a token).
        path = scope["path"]
        # Only a file upload (multipart) may be larger: the same page's plain form keeps the ordinary limit.
        multipart = dict(scope["headers"]).get(b"content-type", b"").startswith(b"multipart/form-data")
        uploading = multipart and (path in self.upload_paths
                                   or any(p.endswith("/") and path.startswith(p) for p in self.upload_paths))
        limit = self.uploads if uploading else self.default
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._refuse(scope, send, limit)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await self._refuse(scope, send, limit)
        await self.app(scope, _replay([{"type": "http.request", "body": bytes(body), "more_body": False}], receive), send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        if scope["path"].startswith("/api/"):
            payload = b'{"detail":"request body too large (limit %d bytes)"}' % limit
            await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": payload})
            return
        # Someone in the browser (an import file, a long form) gets the limit in Danish, on a page.
        megabytes = formatting.number(round(limit / 2**20, 1))
        too_large = TooLarge(f"Det sendte er for stort: højst {megabytes} MB. Gå tilbage og prøv med en mindre fil.")
        await error_page(Request(scope), too_large)(scope, _replay([]), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Warm the renderer before the first request, so no user waits for font loading; end it last."""
    await anyio.to_thread.run_sync(pool.warm_up)
    # The long-lived heap (modules, ORM mappings) stays out of the garbage collector's scans.
    gc.collect()
    gc.freeze()
    # Few threads per worker: more only queue for the one GIL, each trip costing everyone more;
    # requests past them wait their turn on the event loop, holding nothing.
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.settings.worker_threads
    yield
    await anyio.to_thread.run_sync(pool.shutdown)


# The package's static files only: importing it would load its handlers for a dozen web frameworks.
_SWAGGER_SPEC = importlib.util.find_spec("swagger_ui")
assert _SWAGGER_SPEC is not None and _SWAGGER_SPEC.submodule_search_locations, "swagger-ui-py is a dependency"
_SWAGGER_FILES = Path(_SWAGGER_SPEC.submodule_search_locations[0]) / "static"
_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Besvar API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
<link rel="icon" href="/static/swagger/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body>
</html>
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The Besvar web service."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="Besvar",
        version=__version__,
        description="Svar på spørgsmål fra politikere: henvendelser, svarbibliotek, breve og notater.",
        docs_url=None,
        redoc_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.read_engine = app.state.engine.execution_options(**read_only(app.state.engine))
    install_handlers(app)
    app.include_router(accounts_router)
    app.include_router(inquiries_router)
    app.include_router(coordination_router)
    app.include_router(contributions_router)
    app.include_router(decline_router)
    app.include_router(library_router)
    app.include_router(bank_router)
    app.include_router(organisations_router)
    app.include_router(letters_router)
    app.include_router(documents_router)
    app.include_router(approval_router)
    app.include_router(audit_router)
    app.include_router(export_router)
    app.include_router(mail_router)
    app.include_router(intake_router)
    app.include_router(reports_router)
    app.include_router(dispatch_router)
    app.include_router(publication_router)

    app.mount("/static/swagger", StaticFiles(directory=_SWAGGER_FILES), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The OpenAPI documentation, from the packaged Swagger UI files, started by a script file (the CSP allows no inline one)."""
        return HTMLResponse(_DOCS_PAGE)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """200 when the service runs and its database answers."""
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, uploads=settings.max_upload_bytes,
                       upload_paths=("/api/v1/imports", "/api/v1/intake", "/bibliotek/import", "/bidrag/", "/henvendelser/ny",
                                     "/indgaaende"))
    web_setup.install(app)  # its security headers go outside the size limit, so a refusal carries them too
    return app
