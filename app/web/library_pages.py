"""Bibliotek: paragraphs (search, edit → new version, review-by, where used) and statistics (new figures)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlmodel import col, select

from app import policy
from app.db import SessionDep
from app.errors import BesvarError
from app.fields import KEY_PATTERN, IdPath
from app.library import service as library_service
from app.library.schemas import ParagraphUpdate, ValueIn
from app.models import Inquiry, Letter, LetterBlock, Paragraph, Question, QuestionParagraph, Statistic, User
from app.organisations import service as organisation_service
from app.routing import SessionRoute
from app.web import compare
from app.web.deps import Drafter, FormUser, PageUser, PostedForm
from app.web.forms import search_text, whole_number
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
StatKey = Annotated[str, Path(max_length=100, pattern=KEY_PATTERN)]


@router.get("/bibliotek", response_class=HTMLResponse)
def library(request: Request, session: SessionDep, auth: PageUser, q: str = "", topic: str = "", organisation: str = ""):
    """Search the paragraphs by words, topic and organisation; the statistics with their latest figures."""
    paragraphs, total = library_service.list_paragraphs(session, q=search_text(q), limit=200, offset=0,
                                                        topic=search_text(topic, 100),
                                                        organisation=search_text(organisation, 100), user=auth.user)
    stats, _ = library_service.list_statistics(session, q=None, limit=200, offset=0, user=auth.user)
    return page(request, "library/index.html", paragraphs=paragraphs, total=total, stats=stats, q=q, topic=topic,
                organisation=organisation, topics=library_service.topics(session, auth.user),
                organisations=organisation_service.list_all(session, auth.user))


def _paragraph_page(request, session, paragraph_id: int, user: User, version: int | None = None, status: int = 200, **extra):
    paragraph = library_service.get_paragraph(session, paragraph_id=paragraph_id, version=version, user=user)
    # Where it is used, as far as the user may read: a shared paragraph's use elsewhere is not theirs to see.
    theirs = select(col(Inquiry.id))
    if (readable := policy.readable(policy.access(session, user))) is not None:
        theirs = theirs.where(col(Inquiry.organisation_id).in_(readable))
    questions = session.exec(select(Question).join(QuestionParagraph, col(QuestionParagraph.question_id) == col(Question.id))
                             .where(col(QuestionParagraph.paragraph_id) == paragraph_id, col(Question.inquiry_id).in_(theirs))).all()
    letters = session.exec(select(Letter).join(LetterBlock, col(LetterBlock.letter_id) == col(Letter.id))
                           .where(col(LetterBlock.paragraph_id) == paragraph_id, col(Letter.inquiry_id).in_(theirs)).distinct()).all()
    return page(request, "library/paragraph.html", status=status, paragraph=paragraph, questions=questions,
                letters=letters, editable=library_service.editable(session, Paragraph, paragraph.id, user), **extra)


@router.get("/bibliotek/afsnit/{paragraph_id}", response_class=HTMLResponse)
def paragraph_page(request: Request, paragraph_id: IdPath, session: SessionDep, auth: PageUser, ok: str = "",
                   version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
                   sammenlign: Annotated[int | None, Query(ge=1, le=1_000_000)] = None):
    """One paragraph: its text with figures, its versions (each compared with another), where it is used; editable."""
    comparison = None
    if sammenlign is not None:
        shown = library_service.get_paragraph(session, paragraph_id=paragraph_id, version=version, user=auth.user)
        other = library_service.get_paragraph(session, paragraph_id=paragraph_id, version=sammenlign, user=auth.user)
        comparison = {"from": other.version, "to": shown.version,
                      "title": compare.words(other.title, shown.title), "text": compare.words(other.text, shown.text)}
    return _paragraph_page(request, session, paragraph_id, auth.user, version=version, comparison=comparison,
                           notice="Gemt som ny version." if ok else None)


@router.post("/bibliotek/afsnit/{paragraph_id}", response_class=HTMLResponse, dependencies=[Drafter])
def paragraph_save(request: Request, paragraph_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """An edit becomes a new version; letters keep the version they used."""
    version = str(form.get("version", ""))
    try:
        data = ParagraphUpdate(
            title=str(form.get("title", "")), text=str(form.get("text", "")),
            topics=[t.strip() for t in str(form.get("topics", "")).split(",") if t.strip()],
            legal_refs=[r.strip() for r in str(form.get("legal_refs", "")).splitlines() if r.strip()],
            review_by=str(form.get("review_by") or "") or None,
            version=whole_number(version, below=10**9),
        )
        library_service.update_paragraph(session, paragraph_id=paragraph_id, data=data, user=auth.user)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = {"title": "Skriv en titel.", "text": "Skriv en tekst (højst 50.000 tegn).",
                   "review_by": "Skriv en gyldig dato."}.get(field, "Et felt har en ugyldig værdi.")
        return _paragraph_page(request, session, paragraph_id, auth.user, error=message, status=422)
    except BesvarError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        message = ("Afsnittet er ændret af en anden i mellemtiden. Genindlæs siden." if exc.status == 409
                   else "Kun den forvaltning, der ejer afsnittet, kan rette det." if exc.status == 403
                   else "Teksten henviser til et nøgletal, der ikke findes." if "statistic" in exc.detail
                   else "Afsnittet kunne ikke gemmes.")
        return _paragraph_page(request, session, paragraph_id, auth.user, error=message, status=exc.status)
    return see_other(f"/bibliotek/afsnit/{paragraph_id}?ok=1")


@router.get("/bibliotek/statistik/{key}", response_class=HTMLResponse)
def statistic_page(request: Request, key: StatKey, session: SessionDep, auth: PageUser, ok: str = ""):
    """A figure series and a form for the next period's figure."""
    stat = library_service.get_statistic(session, key=key, user=auth.user)
    return page(request, "library/statistic.html", stat=stat, notice="Tallet er tilføjet." if ok else None,
                editable=library_service.editable(session, Statistic, stat.id, auth.user))


@router.post("/bibliotek/statistik/{key}", response_class=HTMLResponse, dependencies=[Drafter])
def statistic_add(request: Request, key: StatKey, session: SessionDep, auth: FormUser, form: PostedForm):
    """Add the figure for a new period; drafts pick it up, approved letters never do."""
    raw_value = str(form.get("value", "")).strip().replace(".", "").replace(",", ".")
    try:
        data = ValueIn(period=str(form.get("period", "")).strip(), value=float(raw_value),
                       note=str(form.get("note", "")).strip() or None)
        library_service.add_value(session, key=key, data=data, user=auth.user)
    except (ValueError, ValidationError, BesvarError) as exc:
        session.rollback()
        if getattr(exc, "status", 0) == 404:
            raise
        message = ("Der findes allerede et andet tal for den periode." if getattr(exc, "status", 0) == 409
                   else "Kun den forvaltning, der ejer nøgletallet, kan tilføje tal." if getattr(exc, "status", 0) == 403
                   else "Skriv perioden som åååå-mm og tallet som fx 1.540 eller 1,5.")
        stat = library_service.get_statistic(session, key=key, user=auth.user)
        return page(request, "library/statistic.html", status=getattr(exc, "status", 422), stat=stat, error=message,
                    editable=library_service.editable(session, Statistic, stat.id, auth.user))
    return see_other(f"/bibliotek/statistik/{key}?ok=1")
