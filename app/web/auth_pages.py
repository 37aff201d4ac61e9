"""Log in and log out; one's own account and password."""

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth import service as auth_service
from app.db import SessionDep
from app.errors import Invalid
from app.mail import preferences
from app.organisations import structure
from app.routing import SessionRoute
from app.web import sessions
from app.web.deps import Auth, FormUser, PageUser, PostedForm, same_origin
from app.web.forms import search_text
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never "//evil.example" or "https://...".
    return target if target and target.startswith("/") and not target.startswith("//") else "/indbakke"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None):
    """The login page."""
    return page(request, "auth/login.html", next=_safe_next(next))


@router.post("/login")
def login(request: Request, session: SessionDep, username: str = Form(""), password: str = Form(""), next: str = Form("")):
    """Check the password; on success a new session and cookie."""
    if not same_origin(request):
        return page(request, "auth/login.html", status=403, next=_safe_next(next), username="",
                    error="Log ind fra Besvars egen side: åbn loginsiden igen, og log ind der.")
    address = request.client.host if request.client else "?"
    result = sessions.login(session, username=search_text(username, 100) or "", password=password[:1000], address=address,
                            settings=request.app.state.settings)
    if result is None:
        return page(request, "auth/login.html", status=401, next=_safe_next(next), username=username,
                    error="Forkert brugernavn eller adgangskode.")
    token, _web = result
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(sessions.COOKIE, token, httponly=True, secure=True, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _auth: FormUser):
    """End the session everywhere."""
    sessions.logout(session, token=request.cookies.get(sessions.COOKIE))
    response = see_other("/login")
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.get("/konto", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """Where the user works, in which role; a form to change the password."""
    notice = {"1": "Adgangskoden er skiftet.", "mail": "Dine mailvalg er gemt."}.get(ok)
    return _account_page(request, session, auth, notice=notice)


def _account_page(request: Request, session, auth: Auth, *, error: str | None = None, status: int = 200, notice: str | None = None):
    return page(request, "auth/account.html", status=status, places=structure.memberships(session, auth.user.id),
                error=error, notice=notice, min_length=auth_service.MIN_PASSWORD, mail_optional=preferences.OPTIONAL)


@router.post("/konto/adgangskode", response_class=HTMLResponse)
def change_password(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Change one's password; the user's other browser sessions end, this one stays."""
    current, new, again = (str(form.get(k, ""))[:200] for k in ("current", "new", "again"))
    if new != again:
        return _account_page(request, session, auth, error="De to nye adgangskoder er ikke ens.", status=422)
    try:
        auth_service.change_password(session, user=auth.user, current=current, new=new, keep_session=auth.web.id)
    except Invalid as exc:
        session.rollback()
        message = ("Den nuværende adgangskode er forkert." if exc.field == "current"
                   else f"Den nye adgangskode skal have mindst {auth_service.MIN_PASSWORD} tegn.")
        return _account_page(request, session, auth, error=message, status=422)
    return see_other("/konto?ok=1")


@router.get("/")
def home():
    """Start in the inbox."""
    return see_other("/indbakke")


@router.post("/konto/mail")
def change_mail(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Turn optional mail on or off, or take the morning digest instead."""
    on = {str(v) for v in form.getlist("on")[:50]}
    preferences.change(session, auth.user, off=[kind for kind in preferences.OPTIONAL if kind not in on],
                       digest_only=form.get("digest_only") == "ja")
    session.commit()
    return see_other("/konto?ok=mail")
