"""Synonymer: a municipality's admin keeps the words its searches treat as one (issue 22); the bank's groups are
shown beside them, for everyone and not theirs to change. The rules are app.library.synonyms'."""

from fastapi import APIRouter, Request

from app.db import SessionDep
from app.errors import BesvarError, Conflict, NotFound
from app.library import synonyms
from app.organisations import settings
from app.policy import Action
from app.routing import SessionRoute
from app.web.deps import FormUser, PageUser, PostedForm, page_may
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Manager = page_may(Action.manage)
NOTICES = {"ny": "Gruppen er gemt; søgningen bruger den med det samme.", "slettet": "Gruppen er slettet."}


def _page(request: Request, session, auth, *, code: int = 200, error: str | None = None, notice: str | None = None,
          terms: str = ""):
    municipalities = settings.managed_municipalities(session, auth.user)
    return page(request, "admin/synonyms.html", status=code, error=error, notice=notice, terms=terms,
                groups={m.key: synonyms.listed(session, m.id) for m in municipalities}, municipalities=municipalities,
                max_terms=synonyms.MAX_TERMS)


@router.get("/admin/synonymer", dependencies=[Manager])
def synonyms_page(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """The municipality's own synonym groups, and the bank's."""
    return _page(request, session, auth, notice=NOTICES.get(ok))


@router.post("/admin/synonymer", dependencies=[Manager])
def add_group(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """A new group of words the municipality's searches treat as one."""
    text = str(form.get("terms") or "")[:20_000]
    key = str(form.get("municipality") or "")[:100]
    municipality = next((m for m in settings.managed_municipalities(session, auth.user) if m.key == key), None)
    if municipality is None:
        raise NotFound(f"no municipality {key!r}")
    try:
        synonyms.add(session, municipality=municipality, terms=synonyms.parse_terms(text), by=auth.user)
    except BesvarError as exc:
        session.rollback()
        message = (f"Kommunen har allerede {synonyms.MAX_GROUPS} egne grupper; slet nogle først." if isinstance(exc, Conflict)
                   else f"Skriv 2–{synonyms.MAX_TERMS} ord eller udtryk, ét pr. linje eller adskilt af komma, hvert "
                   f"højst {synonyms.MAX_TERM_LENGTH} tegn og ikke kun småord som “og” og “i”.")
        return _page(request, session, auth, code=422, error=message, terms=text)
    return see_other("/admin/synonymer?ok=ny")


@router.post("/admin/synonymer/{key}/slet", dependencies=[Manager])
def delete_group(request: Request, key: str, session: SessionDep, auth: FormUser):
    """Delete one of the municipality's own groups."""
    ids = {m.id for m in settings.managed_municipalities(session, auth.user)}
    synonyms.delete(session, municipality_ids=ids, key=key[:100], by=auth.user)
    return see_other("/admin/synonymer?ok=slettet")
