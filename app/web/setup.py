"""Mount the web UI on the app: static files, pages, login redirects, Danish errors, security headers."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web import (
    admin_pages,
    approval_pages,
    auth_pages,
    contribution_pages,
    coordination_pages,
    council_pages,
    dispatch_pages,
    history_pages,
    import_pages,
    inquiries_pages,
    intake_pages,
    letters_pages,
    library_pages,
    operator_pages,
    outbox_pages,
    overview_pages,
    public_pages,
    publication_pages,
    synonym_pages,
)
from app.web.deps import LoginRequired, login_redirect_url
from app.web.render import CSP, error_page


class SecurityHeaders:
    """Security headers on every response; pages (which show personal data) are never cached."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                if content_type.startswith(b"text/html"):
                    extra += [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]
                    if not scope["path"].startswith("/docs"):
                        extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_page(request: Request) -> bool:
    return not (request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/openapi.json"))


def install(app: FastAPI) -> None:
    """Add the UI to `app`."""
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (auth_pages, inquiries_pages, intake_pages, coordination_pages, contribution_pages, letters_pages, approval_pages, library_pages, import_pages, history_pages, outbox_pages, admin_pages, operator_pages, synonym_pages, overview_pages, council_pages, dispatch_pages, public_pages, publication_pages):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        return RedirectResponse(login_redirect_url(request), status_code=303)

    # Pages answer errors as Danish HTML; the API keeps its JSON (see app.errors).
    app.state.html_error = error_page
    app.state.is_page = _is_page

    app.add_middleware(SecurityHeaders)
