"""HTTP API of the library: /api/v1/paragraphs and /api/v1/statistics."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.auth.deps import CurrentUser, Writer
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import KEY_PATTERN, IdPath, IsoDate, Key, Text
from app.library import service as library_service
from app.library import sharing
from app.library.schemas import (
    ParagraphIn,
    ParagraphList,
    ParagraphOut,
    ParagraphUpdate,
    StatisticIn,
    StatisticList,
    StatisticOut,
    SuggestionList,
    ValueIn,
)
from app.library.suggest import suggest
from app.models import Organisation
from app.organisations import service as organisation_service
from app.policy import Action
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["library"], responses=ERROR_RESPONSES)
StatKey = Annotated[str, Path(max_length=100, pattern=KEY_PATTERN)]
SearchText = Annotated[Annotated[str, Text(200)] | None, Query(description="words in key, title or text")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/paragraphs", response_model=ParagraphList)
def list_paragraphs(
    session: SessionDep, user: CurrentUser, q: SearchText = None, limit: Limit = 50, offset: Offset = 0,
    topic: Annotated[Annotated[str, Text(100)] | None, Query(description="a topic, any case")] = None,
    organisation: Annotated[str | None, Query(max_length=100, pattern=KEY_PATTERN)] = None,
):
    """The paragraphs the caller may use (their organisations' own and those shared with them), current versions;
    filter by words, topic and organisation."""
    items, total = library_service.list_paragraphs(session, q=q, limit=limit, offset=offset, topic=topic,
                                                   organisation=organisation, user=user)
    return ParagraphList(items=items, total=total)


@router.post("/paragraphs", status_code=201, response_model=ParagraphOut)
def create_paragraph(body: ParagraphIn, session: SessionDep, user: Writer):
    """Add a paragraph; [[statistic]] placeholders must name known statistics."""
    return library_service.create_paragraph(session, data=body, user=user)


@router.get("/paragraphs/{paragraph_id}", response_model=ParagraphOut)
def get_paragraph(
    paragraph_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    as_of: Annotated[IsoDate | None, Query(description="fill statistics as of this date; default today")] = None,
):
    """One paragraph, its text with the figures filled in, and its versions."""
    return library_service.get_paragraph(session, paragraph_id=paragraph_id, version=version, as_of=as_of, user=user)


@router.put("/paragraphs/{paragraph_id}", response_model=ParagraphOut)
def update_paragraph(paragraph_id: IdPath, body: ParagraphUpdate, session: SessionDep, user: Writer):
    """Edit: a changed text becomes a new version; letters keep the version they used."""
    return library_service.update_paragraph(session, paragraph_id=paragraph_id, data=body, user=user)


@router.get("/statistics", response_model=StatisticList)
def list_statistics(session: SessionDep, user: CurrentUser, q: SearchText = None, limit: Limit = 50, offset: Offset = 0):
    """The figure series the caller may use, with their values."""
    items, total = library_service.list_statistics(session, q=q, limit=limit, offset=offset, user=user)
    return StatisticList(items=items, total=total)


@router.post("/statistics", status_code=201, response_model=StatisticOut)
def create_statistic(body: StatisticIn, session: SessionDep, user: Writer):
    """Add a figure series."""
    return library_service.create_statistic(session, data=body, user=user)


@router.get("/statistics/{key}", response_model=StatisticOut)
def get_statistic(key: StatKey, session: SessionDep, user: CurrentUser):
    """One series with all its values."""
    return library_service.get_statistic(session, key=key, user=user)


@router.post(
    "/statistics/{key}/values",
    status_code=201,
    response_model=StatisticOut,
    responses={200: {"description": "the same figure was stored already; nothing changed"}},
)
def add_value(key: StatKey, body: ValueIn, session: SessionDep, user: Writer, response: Response):
    """Add the figure for a period; 409 if that period holds a different figure."""
    stat, added = library_service.add_value(session, key=key, data=body, user=user)
    if not added:
        response.status_code = 200
    return stat


@router.get("/suggestions", response_model=SuggestionList)
def suggestions(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[Annotated[str, Text(5_000, min_length=1)], Query(description="the question, or words from it")],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    organisation: Annotated[Key | None, Query(description="answering for this organisation; default: yours")] = None,
):
    """Library paragraphs that may answer `q`, best first; `via` says whether through an earlier question.

    For an organisation (default: the first the caller drafts for, else reads), its own paragraphs come first and
    others' only when shared with it, with `owner` set.
    """
    org: Organisation | None
    if organisation is not None:
        org = organisation_service.resolve(session, key=organisation, user=user, action=Action.read)
    else:
        org = next(iter(organisation_service.choices(session, user, Action.draft)
                        or organisation_service.choices(session, user, Action.read)), None)
    if org is None:
        return SuggestionList(items=[])
    answering = sharing.answering(session, org.id)
    return SuggestionList(items=[vars(s) for s in suggest(session, text=q, limit=limit, answering=answering)])
