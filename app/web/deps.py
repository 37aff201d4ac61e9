"""Page dependencies: the logged-in user from the session cookie, roles, CSRF on every form."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app import policy
from app.db import SessionDep, reading
from app.errors import BesvarError
from app.models import User, WebSession
from app.policy import Action
from app.web import sessions


class LoginRequired(Exception):
    """No live session: the page handler answers with a redirect to /login."""


class PageForbidden(BesvarError):
    status = 403


class CsrfFailed(BesvarError):
    status = 403


@dataclass
class Auth:
    user: User
    web: WebSession
    access: policy.Access


def page_auth(request: Request, session: SessionDep) -> Auth:
    """The logged-in user, or a redirect to the login page."""
    with reading(session):
        found = sessions.current(session, token=request.cookies.get(sessions.COOKIE), settings=request.app.state.settings)
        if found is None:
            raise LoginRequired()
        access = policy.remember(session, policy.load(session, found[0]))
    # Detached, with what was read: a rollback in the handler then cannot expire what the page (or an
    # error page, rendered after the session closed) shows of the user.
    for row in found:
        session.expunge(row)
    request.state.auth = Auth(*found, access)
    return request.state.auth


PageUser = Annotated[Auth, Depends(page_auth)]


def page_may(action: Action):
    """Only users the policy allows `action` may open the page."""

    async def check(auth: PageUser) -> Auth:
        if not policy.may(auth.access, action):
            raise PageForbidden("Din rolle giver ikke adgang til denne side.")
        return auth

    return Depends(check)


async def csrf(request: Request, auth: PageUser) -> Auth:
    """Every POST carries the session's CSRF token, as a form field (urlencoded or multipart) or header."""
    submitted: object = request.headers.get("x-csrf-token")
    if submitted is None:
        form = await read_form(request)
        submitted = form.get("csrf")
    if not sessions.csrf_ok(auth.web, submitted if isinstance(submitted, str) else None):
        raise CsrfFailed("Formularen er udløbet. Genindlæs siden og prøv igen.")
    return auth


FormUser = Annotated[Auth, Depends(csrf)]


# A letter of 200 questions sends some 1,400 fields (blocks, texts, figure pickers); Starlette stops at
# 1,000 by default. The body's size limit (Settings.max_body_bytes) bounds the cost of more fields.
MAX_FORM_FIELDS = 20_000


async def read_form(request: Request) -> FormData:
    """The submitted form (parsed once per request; Starlette caches it)."""
    return await request.form(max_fields=MAX_FORM_FIELDS)


async def posted_form(request: Request) -> FormData:
    """The submitted form, read on the event loop; the handler itself runs in a worker thread."""
    return await read_form(request)


# Handlers that take the form this way can be plain `def`, so their database work and
# rendering never block the event loop that serves everyone else.
PostedForm = Annotated[FormData, Depends(posted_form)]
# Who edits drafts and the library; the editor shows a read-only view to everyone else.
Drafter = page_may(Action.draft)
Approver = page_may(Action.approve)
Secretariat = page_may(Action.allocate)


def same_origin(request: Request) -> bool:
    """Whether a browser sent this request from one of Besvar's own pages (requests without the headers pass).

    Logging in has no session and so no CSRF token yet: without this check, a foreign page could
    log a visitor's browser into the attacker's account (login CSRF).
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def login_redirect_url(request: Request) -> str:
    """Where to send someone without a session, remembering where they were going."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target)}"
