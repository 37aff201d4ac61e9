"""Kommuner: the operator who runs Besvar creates a municipality with its first forvaltning and admin (issue 22);
the admin then sets up the rest under Kommunen and Brugere. The rules are app.organisations.municipalities'."""

from fastapi import APIRouter, Request

from app.db import SessionDep
from app.errors import BesvarError, Conflict
from app.organisations import municipalities, settings
from app.policy import Action
from app.routing import SessionRoute
from app.web.deps import FormUser, PageUser, PostedForm, page_may
from app.web.forms import search_text
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Operator = page_may(Action.operate)

# A field the services name, as the page says what to write there.
SAYS = {"name": "Skriv kommunens navn, fx Udby Kommune.",
        "key": "Kommunens nøgle: små bogstaver, tal og bindestreg, fx udby-kommune.",
        "organisation.key": "Forvaltningens nøgle: små bogstaver, tal og bindestreg, fx udby-bmf.",
        "organisation.name": "Skriv forvaltningens navn, fx Borgmesterens Forvaltning.",
        "organisation.deadline_days": "Svarfristen skal være {}–{} arbejdsdage.".format(*settings.DEADLINE_DAYS),
        "admin.username": "Administratorens brugernavn: bogstaver uden æ, ø og å, tal, punktum, @ og bindestreg.",
        "admin.name": "Skriv administratorens navn.",
        "admin.email": "Tjek administratorens mailadresse (navn@kommune.dk).",
        "admin.password": "Administratoren skal have en adgangskode på mindst 10 tegn (det login, der altid virker)."}
TAKEN = {"municipality": "Kommunen findes allerede (samme navn eller nøgle).",
         "organisation": "Forvaltningens nøgle er brugt før; vælg en anden.",
         "user": "Brugernavnet findes allerede; vælg et andet."}
FORM = ("name", "key", "org_name", "org_key", "deadline_days", "admin_username", "admin_name", "admin_email")


def _page(request: Request, session, auth, *, code: int = 200, error: str | None = None, notice: str | None = None,
          form: dict | None = None):
    return page(request, "admin/municipalities.html", status=code, error=error, notice=notice, form=form or {},
                rows=municipalities.overview(session, auth.user), deadline_range=settings.DEADLINE_DAYS)


@router.get("/admin/kommuner", dependencies=[Operator])
def municipalities_page(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """Every municipality Besvar runs for, and the form for a new one."""
    created = search_text(ok, 300) if ok else None
    return _page(request, session, auth, notice=f"{created} er oprettet. Giv administratoren brugernavn og adgangskode; "
                 "resten sætter administratoren op under Kommunen og Brugere." if created else None)


@router.post("/admin/kommuner", dependencies=[Operator])
def add_municipality(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A new municipality, its first forvaltning and its first admin."""
    values = {k: search_text(str(form.get(k) or ""), 300) or "" for k in FORM}
    try:
        days = int(values["deadline_days"] or "10")
    except ValueError:
        days = 0
    try:
        m = municipalities.create(
            session, name=values["name"], key=values["key"].lower(), by=auth.user,
            organisation={"name": values["org_name"], "key": values["org_key"].lower(), "deadline_days": days},
            admin={"username": values["admin_username"], "name": values["admin_name"],
                   "email": values["admin_email"] or None, "password": str(form.get("admin_password") or "")[:200] or None})
    except BesvarError as exc:
        session.rollback()
        field = getattr(exc, "field", None) or ""
        if isinstance(exc, Conflict):
            message = next((m for k, m in TAKEN.items() if exc.detail.startswith(k)), TAKEN["user"])
        else:
            message = next((m for k, m in SAYS.items() if field == k or field.startswith(k + ".")),
                           "Kommunen kunne ikke oprettes. Tjek felterne, og prøv igen.")
        return _page(request, session, auth, code=422, error=message, form=values)
    return see_other(f"/admin/kommuner?ok={m.name}")
