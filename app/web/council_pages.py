"""Byråd og udvalg: a municipality's admin keeps the lists an answer may be copied to (issue 23); the rules are
app.dispatch.councils'."""

from fastapi import APIRouter, Request

from app.db import SessionDep
from app.dispatch import councils
from app.dispatch.service import council_lists
from app.errors import BesvarError, NotFound
from app.fields import IdPath
from app.organisations import settings
from app.policy import Action
from app.routing import SessionRoute
from app.web.deps import FormUser, PageUser, PostedForm, page_may
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Manager = page_may(Action.manage)
NOTICES = {"gemt": "Listen er gemt.", "slettet": "Listen er slettet."}


def _page(request: Request, session, auth, *, code: int = 200, error: str | None = None, notice: str | None = None,
          values: dict | None = None):
    municipalities = settings.managed_municipalities(session, auth.user)
    return page(request, "admin/councils.html", status=code, error=error, notice=notice, values=values or {},
                lists={m.key: council_lists(session, m.id) for m in municipalities}, municipalities=municipalities,
                as_lines=councils.as_lines, max_members=councils.MAX_MEMBERS)


@router.get("/admin/raad", dependencies=[Manager])
def councils_page(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """The municipality's council and committee lists."""
    return _page(request, session, auth, notice=NOTICES.get(ok))


@router.post("/admin/raad", dependencies=[Manager])
def save_list(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Create a list, or replace the one of the same name."""
    values = {k: str(form.get(k) or "")[:limit] for k, limit in (("name", 200), ("members", 80_000), ("municipality", 100))}
    municipality = next((m for m in settings.managed_municipalities(session, auth.user) if m.key == values["municipality"]), None)
    if municipality is None:
        raise NotFound(f"no municipality {values['municipality']!r}")
    try:
        councils.save(session, municipality=municipality, name=values["name"], whole_council=form.get("whole_council") == "1",
                      members=councils.parse_members(values["members"]), by=auth.user)
    except BesvarError:
        session.rollback()
        return _page(request, session, auth, code=422, values=values,
                     error=f"Giv listen et navn, og skriv 1–{councils.MAX_MEMBERS} medlemmer, ét pr. linje som "
                           "“Navn <e-mail>” eller bare navnet.")
    return see_other("/admin/raad?ok=gemt")


@router.post("/admin/raad/{list_id}/slet", dependencies=[Manager])
def delete_list(request: Request, list_id: IdPath, session: SessionDep, auth: FormUser):
    """Delete one of the municipality's lists."""
    ids = {m.id for m in settings.managed_municipalities(session, auth.user)}
    councils.delete(session, municipality_ids=ids, list_id=list_id, by=auth.user)
    return see_other("/admin/raad?ok=slettet")
