"""Administration for a municipality's admin, in the browser instead of the command line (issue 22): Brugere —
its users, their units and roles, open or closed, and their API tokens — and Kommunen — its forvaltninger with
their letterheads, logos and deadline rules, its units, and its sign-in. The rules are the services' and the
policy's."""

import re

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app import formatting
from app.auth import service as auth_service
from app.auth.schemas import TokenIn, UserIn
from app.db import SessionDep
from app.errors import BesvarError, Conflict, Invalid, NotFound
from app.fields import IdPath
from app.models import LetterheadLogo, Role
from app.organisations import logos, settings, structure
from app.policy import Action, access, where
from app.rendering import context, jobs, pool
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
          form: dict | None = None, created: tuple[str, str, str] | None = None):
    users = auth_service.managed(session, auth.user)
    units = structure.units(session, where(access(session, auth.user), Action.manage))
    return page(request, "admin/users.html", status=code, users=users, units=units, error=error, notice=notice,
                places={u.id: structure.memberships(session, u.id) for u in users}, form=form or {},
                tokens=auth_service.tokens_of(session, user=auth.user), roles=[(r.value, ROLE[r.value]) for r in Role],
                created=created)


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
    elif field == "active":
        message = "Du kan ikke lukke din egen konto; det kan en anden administrator."
    elif field == "memberships":
        message = "Du kan ikke fjerne din egen administratorrolle; det kan en anden administrator."
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
                              units=[(m.unit, m.role) for m in body.memberships], signs=True)
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


@router.post("/admin/tokens", dependencies=[Manager])
def new_token(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A token for one of the municipality's users (a service account for the records system, say), shown this once."""
    username = str(form.get("username") or "")[:100]
    try:
        body = TokenIn(name=search_text(str(form.get("name") or ""), 300) or "API-token",
                       expires_on=str(form.get("expires_on") or "") or None, read_only=form.get("read_only") == "ja")
    except ValidationError:
        return _page(request, session, auth, code=422, error="Tjek tokenets udløbsdato (en dato, ikke passeret).")
    try:
        owner = auth_service.managed_user(session, username, auth.user)
        _row, token = auth_service.issue_token(session, username=owner.username, name=body.name, expires_on=body.expires_on,
                                               read_only=body.read_only)
    except BesvarError as exc:
        if exc.status != 404:
            return _page(request, session, auth, code=422, error="Tjek tokenets udløbsdato (en dato, ikke passeret).")
        raise
    # Shown on this page only: it is not kept, and a reload does not show it again.
    return _page(request, session, auth, code=201, created=(owner.username, body.name, token))


@router.post("/admin/tokens/{token_id}/tilbagekald", dependencies=[Manager])
def revoke(request: Request, token_id: IdPath, session: SessionDep, auth: FormUser):
    """Revoke a token of the municipality's at once."""
    try:
        auth_service.revoke_token(session, token_id=token_id, user=auth.user)
    except BesvarError as exc:
        return _failed(request, session, auth, exc)
    return see_other("/admin/brugere?ok=token")


# Kommunen: the municipality's organisations (deadline rule), units, and sign-in with its identity provider.
SETTINGS_NOTICES = {"frister": "Fristreglen er gemt; nye henvendelser får den.", "enhed": "Enheden er oprettet.",
                    "forvaltning": "Forvaltningen er oprettet med sin egen enhed.",
                    "brevhoved": "Brevhovedet er gemt; se det i prøvebrevet.",
                    "logo": "Logoet er gemt; se det i prøvebrevet.",
                    "login": "Kommunens login er gemt; grupperne gælder fra næste login."}


ADDRESS_LABELS = {"name": "Forvaltning", "unit": "Enhed", "street": "Adresse", "postcode": "Postnummer", "city": "By",
                  "phone": "Telefon", "email": "Mail", "web": "Web"}


def _groups_text(sign_in: dict | None) -> str:
    groups = (sign_in or {}).get("groups") or {}
    return "\n".join(f"{g} = " + ", ".join(f"{p['unit']}:{p['role']}" for p in places) for g, places in groups.items())


def _settings_page(request: Request, session, auth, *, code: int = 200, error: str | None = None, notice: str | None = None):
    municipalities = settings.managed_municipalities(session, auth.user)
    return page(request, "admin/municipality.html", status=code, error=error, notice=notice,
                organisations=settings.managed_organisations(session, auth.user), municipalities=municipalities,
                units=structure.units(session, where(access(session, auth.user), Action.manage)),
                groups={m.key: _groups_text(m.sign_in) for m in municipalities}, roles=[(r.value, ROLE[r.value]) for r in Role],
                deadline_range=settings.DEADLINE_DAYS, chaser_range=settings.CHASER_DAYS, address_labels=ADDRESS_LABELS,
                callback=request.app.state.settings.public_url.rstrip("/") + "/login/oidc/callback")


def _settings_failed(request: Request, session, auth, exc: BesvarError):
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    field = getattr(exc, "field", None) or ""
    message = {"deadline_days": "Fristen skal være {}–{} arbejdsdage.".format(*settings.DEADLINE_DAYS),
               "chaser_working_days": "Rykkerne skal komme hver {}.–{}. arbejdsdag.".format(*settings.CHASER_DAYS),
               "key": "Nøglen: små bogstaver, tal og bindestreg, og ikke brugt før.",
               "name": "Skriv navnet.", "letterhead.colour": "Farven skrives som #RRGGBB, fx #00509e.",
               "email": "Tjek mailadressen.", "web": "Tjek webadressen."}.get(field)
    if message is None and field.startswith("groups"):
        message = (f"Gruppetabellen: {exc.detail}. Skriv en linje pr. gruppe: GRUPPE = enhed:rolle, enhed:rolle "
                   "(rollerne: " + ", ".join(Role) + ").")
    if message is None and field in ("issuer", "client_id", "groups_claim", "label"):
        message = "Kommunens login: udstederen skal være en https-adresse, og klient-id skal udfyldes."
    if message is None and isinstance(exc, Conflict):
        message = "Nøglen er brugt før; vælg en anden."
    if message is None and field in settings.ADDRESS:
        message = f"Tjek feltet “{ADDRESS_LABELS[field]}” (højst 300 tegn på én linje)."
    return _settings_page(request, session, auth, code=422 if exc.status in (409, 422) else exc.status,
                          error=message or "Ændringen kunne ikke gemmes. Genindlæs siden, og prøv igen.")


def _number(form, name: str) -> int:
    try:
        return int(str(form.get(name) or "").strip())
    except ValueError:
        raise Invalid(f"{name} is not a number", field=name) from None


@router.get("/admin/kommune", dependencies=[Manager])
def municipality_page(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """The municipality's organisations, units and sign-in."""
    return _settings_page(request, session, auth, notice=SETTINGS_NOTICES.get(ok))


@router.post("/admin/organisationer/{organisation}/frister", dependencies=[Manager])
def set_deadlines(request: Request, organisation: str, session: SessionDep, auth: FormUser, form: PostedForm):
    """The organisation's deadline rule and how often late contributions are chased."""
    try:
        settings.set_deadlines(session, key=organisation[:100], deadline_days=_number(form, "deadline_days"),
                               chaser_days=_number(form, "chaser_working_days"), by=auth.user)
    except BesvarError as exc:
        return _settings_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=frister")


@router.post("/admin/enheder", dependencies=[Manager])
def add_unit(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A new unit of one of the admin's organisations."""
    key, name = str(form.get("key") or "").strip()[:100], search_text(str(form.get("name") or ""), 300) or ""
    organisation = str(form.get("organisation") or "")[:100]
    key = key or formatting.key_of(f"{organisation} {name}")  # left empty: made from the names, as people would
    try:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", key):
            raise Invalid("key", field="key")
        if not name:
            raise Invalid("name", field="name")
        settings.add_unit(session, key=key, name=name, organisation_key=organisation, by=auth.user)
    except BesvarError as exc:
        return _settings_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=enhed")


@router.post("/admin/login", dependencies=[Manager])
def set_sign_in(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """The municipality's identity provider and its group table; emptied, local passwords only."""
    values = {k: str(form.get(k) or "").strip()[:300] for k in ("issuer", "client_id", "groups_claim", "label")}
    try:
        groups = settings.parse_groups(str(form.get("groups") or "")[:100_000])
        sign_in = None if not values["issuer"] and not values["client_id"] else \
            {**{k: v for k, v in values.items() if v}, "groups": groups}
        settings.set_sign_in(session, municipality_key=str(form.get("municipality") or "")[:100], values=sign_in, by=auth.user)
    except BesvarError as exc:
        return _settings_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=login")


def _address_values(form) -> dict:
    values = {k: search_text(str(form.get(k) or ""), 300) or None for k in settings.ADDRESS}
    values["name"] = values["name"] or ""
    return values


@router.post("/admin/organisationer", dependencies=[Manager])
def add_organisation(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A new forvaltning of the admin's municipality, with its default unit."""
    values = {"key": str(form.get("key") or "").strip()[:100], **_address_values(form)}
    try:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", values["key"]):
            raise Invalid("key", field="key")
        values["deadline_days"] = _number(form, "deadline_days")
        settings.add_organisation(session, municipality_key=str(form.get("municipality") or "")[:100], values=values,
                                  by=auth.user)
    except BesvarError as exc:
        return _settings_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=forvaltning")


@router.post("/admin/organisationer/{organisation}/brevhoved", dependencies=[Manager])
def set_letterhead(request: Request, organisation: str, session: SessionDep, auth: FormUser, form: PostedForm):
    """The forvaltning's address block and colour, as its letters print them."""
    try:
        settings.set_letterhead(session, key=organisation[:100], values=_address_values(form),
                                colour=str(form.get("colour") or "")[:20], by=auth.user)
    except BesvarError as exc:
        return _settings_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=brevhoved")


def _file(form, name: str, limit: int) -> bytes | None:
    """An uploaded file's bytes, read no further than one byte past `limit` (the check then says it is too big)."""
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return value.file.read(limit + 1)


@router.post("/admin/organisationer/{organisation}/logo", dependencies=[Manager])
def set_logo(request: Request, organisation: str, session: SessionDep, auth: FormUser, form: PostedForm):
    """The forvaltning's own logo: a PNG (both formats), and an SVG for the PDF if wanted."""
    png = _file(form, "png", logos.MAX_PNG_BYTES)
    svg = _file(form, "svg", logos.MAX_SVG_BYTES)
    try:
        settings.set_logo(session, key=organisation[:100], png=png, svg=svg, by=auth.user)
    except BesvarError as exc:
        return _logo_failed(request, session, auth, exc)
    return see_other("/admin/kommune?ok=logo")


def _logo_failed(request: Request, session, auth, exc: BesvarError):
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    what = "PNG-filen" if getattr(exc, "field", "") == "png" else "SVG-filen"
    reasons = {"not a PNG": "er ikke en PNG", "damaged": "er beskadiget", "pixels": "er for stor (højst 2.000 punkter på en led og 1 million i alt)",
               "bytes": "fylder for meget (PNG højst 512 kB, SVG højst 200 kB)", "entities": "erklærer entiteter",
               "outside": "henviser til noget uden for sig selv", "event handler": "indeholder kode",
               "may not": "indeholder elementer, et brevhoved ikke må have (script, billeder, animation)",
               "cannot be read": "kan ikke læses", "not an SVG": "er ikke en SVG", "is needed": "mangler",
               "elements": "har for mange dele (højst 500; ellers brug PNG-filen alene); gem den forenklet"}
    reason = next((danish for english, danish in reasons.items() if english in str(exc.detail)), "kan ikke bruges")
    return _settings_page(request, session, auth, code=422, error=f"Logoet blev ikke gemt: {what} {reason}.")


@router.get("/admin/organisationer/{organisation}/proeve.pdf", dependencies=[Manager])
def preview(request: Request, organisation: str, session: SessionDep, auth: PageUser, kind: str = "brev"):
    """A sample brev or notat on the forvaltning's letterhead, as a PDF."""
    org = settings.managed_organisation(session, organisation[:100], auth.user)
    ctx = context.preview(org, kind if kind in ("brev", "notat") else "brev", session.get(LetterheadLogo, org.id))
    session.rollback()  # rendered outside any database transaction
    content = pool.run(jobs.pdf, ctx, timeout=request.app.state.settings.render_timeout_seconds)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="proeve-{ctx.kind}-{org.key}.pdf"'})
