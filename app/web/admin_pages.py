"""Brugere: for a municipality's admin, its users — their units and roles, open or closed — and their API tokens,
in the browser instead of the command line (issue 22). The rules are the account services' and the policy's."""

from fastapi import APIRouter, Request
from pydantic import ValidationError

from app.auth import service as auth_service
from app.auth.schemas import UserIn
from app.db import SessionDep
from app.errors import BesvarError, Conflict, Invalid, NotFound
from app.fields import IdPath
from app.models import Role
from app.organisations import structure
from app.policy import Action, access, where
from app.routing import SessionRoute
from app.web.deps import FormUser, PageUser, PostedForm, page_may
from app.web.forms import search_text
from app.web.render import ROLE, page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Manager = page_may(Action.manage)
NOTICES = {"ny": "Brugeren er oprettet.", "aktiv": "Kontoen er åbnet.", "lukket": "Kontoen er lukket; dens logins og "
           "tokens holder op med det samme.", "enhed": "Enheder og roller er gemt.", "token": "Tokenet er tilbagekaldt."}
# What a form field names, in the words the page uses, for an error from the account services.
FIELDS = {"username": "brugernavnet", "name": "navnet", "email": "mailadressen", "password": "adgangskoden"}
_SAYS = {"username": "bogstaver uden æ, ø og å, tal, punktum, @ og bindestreg (højst 100 tegn)",
         "name": "skriv brugerens navn", "email": "en mailadresse som navn@kommune.dk",
         "password": "mindst 10 tegn, eller ingen (så logger brugeren ind med kommunens login eller et token)"}


def _page(request: Request, session, auth, *, code: int = 200, error: str | None = None, notice: str | None = None,
          form: dict | None = None):
    users = auth_service.managed(session, auth.user)
    units = structure.units(session, where(access(session, auth.user), Action.manage))
    return page(request, "admin/users.html", status=code, users=users, units=units, error=error, notice=notice,
                places={u.id: structure.memberships(session, u.id) for u in users}, form=form or {},
                tokens=auth_service.tokens_of(session, user=auth.user), roles=[(r.value, ROLE[r.value]) for r in Role])


def _failed(request: Request, session, auth, exc: BesvarError, form: dict | None = None):
    """An error from the services as the page says it, in Danish; a user or token outside the admin's municipality
    stays a 404, as one that does not exist."""
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    field = getattr(exc, "field", None) or ""
    name = next((n for n in FIELDS if field.startswith(n)), None)
    if isinstance(exc, Conflict):
        message = "Brugernavnet findes allerede; vælg et andet."
    elif name:
        message = f"Tjek {FIELDS[name]}: {_SAYS[name]}."
    elif "unit" in field or "role" in field:
        message = "Vælg en enhed i din kommune og en af rollerne."
    else:
        message = "Ændringen kunne ikke gemmes. Genindlæs siden, og prøv igen."
    return _page(request, session, auth, code=422 if exc.status in (409, 422) else exc.status, error=message, form=form)


@router.get("/admin/brugere", dependencies=[Manager])
def users_page(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """The municipality's users, their units and roles, and their API tokens."""
    return _page(request, session, auth, notice=NOTICES.get(ok))


@router.post("/admin/brugere", dependencies=[Manager])
def add_user(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A new user with one unit and role; with a password, or none (the municipality's login, or tokens only)."""
    fields = {k: (search_text(str(form.get(k) or ""), 300) or "") for k in ("username", "name", "title", "email", "unit", "role")}
    try:
        # The API's own schema: the same rules for a user made here as for one made through /api/v1/users.
        body = UserIn(username=fields["username"], name=fields["name"], title=fields["title"] or None,
                      email=fields["email"] or None, password=str(form.get("password") or "")[:200] or None,
                      memberships=[{"unit": fields["unit"], "role": fields["role"]}])
    except ValidationError as exc:
        field = ".".join(str(part) for part in exc.errors()[0]["loc"])  # "username", "memberships.0.role"
        return _failed(request, session, auth, Invalid(field, field=field), form=fields)
    try:
        auth_service.add_user(session, username=body.username, role=body.memberships[0].role, name=body.name,
                              title=body.title, email=body.email, password=body.password, by=auth.user,
                              units=[(m.unit, m.role) for m in body.memberships])
    except BesvarError as exc:
        return _failed(request, session, auth, exc, form=fields)
    return see_other("/admin/brugere?ok=ny")


@router.post("/admin/brugere/{username}/aktiv", dependencies=[Manager])
def set_active(request: Request, username: str, session: SessionDep, auth: FormUser, form: PostedForm):
    """Close an account (its sessions and tokens stop at once) or open it again."""
    active = form.get("active") == "ja"
    try:
        auth_service.set_active(session, username=username[:100], active=active, by=auth.user)
    except BesvarError as exc:
        return _failed(request, session, auth, exc)
    return see_other(f"/admin/brugere?ok={'aktiv' if active else 'lukket'}")


@router.post("/admin/brugere/{username}/enheder", dependencies=[Manager])
def set_units(request: Request, username: str, session: SessionDep, auth: FormUser, form: PostedForm):
    """The user's units and roles in the admin's municipality: those kept (ticked), and one more if chosen."""
    kept = [tuple(str(v).split(" ", 1)) for v in form.getlist("keep")[:100] if " " in str(v)]
    unit, role = str(form.get("unit") or ""), str(form.get("role") or "")
    wanted = [(u, r) for u, r in kept] + ([(unit, role)] if unit and role else [])
    try:
        auth_service.set_memberships(session, username=username[:100], units=wanted, by=auth.user)
    except BesvarError as exc:
        return _failed(request, session, auth, exc)
    return see_other("/admin/brugere?ok=enhed")


@router.post("/admin/tokens/{token_id}/tilbagekald", dependencies=[Manager])
def revoke(request: Request, token_id: IdPath, session: SessionDep, auth: FormUser):
    """Revoke a token of the municipality's at once."""
    try:
        auth_service.revoke_token(session, token_id=token_id, user=auth.user)
    except BesvarError as exc:
        return _failed(request, session, auth, exc)
    return see_other("/admin/brugere?ok=token")
