"""Log in and log out; one's own account and password."""

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth import oidc
from app.auth import service as auth_service
from app.db import SessionDep, start_writing
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


def _login_page(request: Request, session, *, status: int = 200, error: str | None = None, next: str | None = None,
                username: str = ""):
    return page(request, "auth/login.html", status=status, next=_safe_next(next), username=username, error=error,
                providers=oidc.configured(session))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str | None = None):
    """The login page: the municipality's own login where it has one, and Besvar's passwords."""
    return _login_page(request, session, next=next)


def _callback_url(request: Request) -> str:
    return request.app.state.settings.public_url.rstrip("/") + "/login/oidc/callback"


# Before /login/oidc/{municipality}, which would take "callback" for a municipality.
@router.get("/login/oidc/callback", response_class=HTMLResponse, name="oidc_callback")
def provider_answer(request: Request, session: SessionDep, code: str = "", state: str = "", error: str = "",
                    iss: str = ""):
    """The provider's answer: the code exchanged, the ID token checked, the groups mapped, a Besvar session begun."""
    if error:
        # The user cancelled, or the provider refused; its own words are not shown (they may be English or internal).
        message = ("Du afbrød login hos kommunen." if error == "access_denied"
                   else "Kommunens login afviste forsøget. Prøv igen, eller kontakt IT-afdelingen.")
        return _login_page(request, session, status=401, error=message)
    try:
        user, next_path = oidc.finish(session, state=state[:200], code=code[:2000], redirect_uri=_callback_url(request),
                                      iss=iss[:300])
    except oidc.SignInFailed as exc:
        session.rollback()
        return _login_page(request, session, status=exc.status, error=exc.detail)
    address = request.client.host if request.client else "?"
    start_writing(session)
    token, _web = sessions.start(session, user=user, address=address, via="identitetsudbyder")
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(sessions.COOKIE, token, httponly=True, secure=True, samesite="lax", path="/")
    return response


@router.get("/login/oidc/{municipality}")
def sign_in_with_provider(request: Request, session: SessionDep, municipality: str, next: str | None = None):
    """Off to the municipality's identity provider, with a state, a nonce and a PKCE challenge of our own."""
    try:
        settings = oidc.settings_of(session, search_text(municipality, 100) or "")
        url = oidc.begin(session, settings, redirect_uri=_callback_url(request), next_path=_safe_next(next))
    except oidc.SignInFailed as exc:
        session.rollback()
        return _login_page(request, session, status=exc.status, error=exc.detail, next=next)
    return RedirectResponse(url, status_code=303)


@router.post("/login")
def login(request: Request, session: SessionDep, username: str = Form(""), password: str = Form(""), next: str = Form("")):
    """Check the password; on success a new session and cookie."""
    if not same_origin(request):
        return _login_page(request, session, status=403, next=next,
                           error="Log ind fra Besvars egen side: åbn loginsiden igen, og log ind der.")
    address = request.client.host if request.client else "?"
    result = sessions.login(session, username=search_text(username, 100) or "", password=password[:1000], address=address,
                            settings=request.app.state.settings)
    if result is None:
        return _login_page(request, session, status=401, next=next, username=username,
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
