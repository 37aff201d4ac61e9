"""The inquiry page as one renderer, for its own route and for the forms that show it again after a refusal."""

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from app import policy
from app.contributions import service as contributions
from app.db import stored
from app.inquiries import deadlines, states
from app.inquiries import service as inquiry_service
from app.letters import service as letter_service
from app.library.units import suggest_unit
from app.models import Inquiry, Publication
from app.organisations import service as organisation_service
from app.organisations import structure
from app.policy import Action
from app.publication import redaction
from app.publication import service as publication_service
from app.web.render import page

EXTRA_ROWS = 3  # passages of one's own the publication form offers beside the flags


def _publication(session: Session, row: Inquiry) -> dict:
    """What the inquiry page's publication part shows: the publication, the answer's flags, the grounds."""
    answer = publication_service.answer_of(session, row.id)
    # Each flag with the ground it most likely falls under: a CPR number as such, the rest as private matters.
    flags = {f["text"]: "cpr" if f.get("kind") == "cpr" else "private"
             for f in (answer.personal_data_flags if answer else []) if f.get("text")}
    return {"publication": session.exec(select(Publication).where(col(Publication.inquiry_id) == row.id)).first(),
            "publish_flags": list(flags.items())[:redaction.MAX_REDACTIONS], "grounds": redaction.GROUNDS, "extra_rows": EXTRA_ROWS,
            "answered": answer is not None}


def render(request: Request, session, inquiry_id: int, *, notice: str | None = None, values: dict | None = None,
           errors: dict | None = None, coordination_error: tuple[str, str] | None = None, status: int = 200,
           new_link: tuple[str, str | None] | None = None, contribution_error: str | None = None,
           contribution_values: dict | None = None, publication_error: str | None = None) -> HTMLResponse:
    """The inquiry page; after a refused form, with that form open, what was typed kept and the errors beside it."""
    auth = request.state.auth
    inquiry = inquiry_service.get(session, inquiry_id=inquiry_id, user=auth.user)
    row = stored(session, Inquiry, inquiry_id)
    moves = {m.value for m in states.Move if states.allowed(auth.access, m, row)}
    org = frozenset({row.organisation_id})
    context: dict[str, object] = {
        "moves": moves,
        "units": structure.units(session, org) if "allocate" in moves else [],
        "drafters": structure.members(session, org, policy.roles_for(Action.draft)) if "allocate" in moves else [],
        "siblings": organisation_service.siblings(session, row.organisation_id) if "transfer" in moves else [],
        "coordination_error": coordination_error,
        # Which unit answered similar questions before: offered, never applied.
        "suggested_unit": suggest_unit(session, inquiry=row) if "allocate" in moves and row.unit_id is None else None,
    }
    context |= {
        "contributions": contributions.for_inquiry(session, inquiry_id=inquiry_id, user=auth.user),
        "contribution_units": structure.municipality_units(session, row.organisation_id) if "ask" in moves else [],
        "contribution_due": contributions.default_due(row.deadline, deadlines.today()) if "ask" in moves else None,
        "new_link": new_link, "contribution_error": contribution_error, "contribution_values": contribution_values or {},
    }
    if policy.may(auth.access, Action.publish, row.organisation_id):
        context |= _publication(session, row) | {"publication_error": publication_error}
    letters = letter_service.for_inquiry(session, inquiry_id=inquiry_id)
    return page(request, "inquiries/detail.html", status=status, inquiry=inquiry, letters=letters, notice=notice,
                values=values, errors=errors or {}, **context)
