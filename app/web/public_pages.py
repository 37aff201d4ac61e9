"""The public record (issue 23): published questions and answers for anyone, no login — a list by date, asker and
topic with full-text search, each answer as HTML and as its published (redacted) PDF, and an Atom feed.

No session is read or set here, no script is sent, and every answer is cacheable: strict headers of their own,
and an ETag, so a journalist's reader asking again gets 304."""

import hashlib
from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request, Response
from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import SessionDep
from app.errors import NotFound
from app.library.analysis import content_stems
from app.models import Inquiry, Municipality, Publication
from app.publication.service import expected_week
from app.routing import SessionRoute
from app.web.render import templates

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
PUBLIC_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
              "frame-ancestors 'none'")
PAGE_SIZE, MAX_TERMS, FEED_SIZE = 25, 8, 50
PUBLIC_METHODS = ["GET", "HEAD"]  # caches, link checkers and feed readers ask HEAD first
ATOM = "http://www.w3.org/2005/Atom"


def _cached(request: Request, content: bytes, media_type: str, max_age: int = 300) -> Response:
    """The answer with the public headers, or 304 when the reader holds it already."""
    tag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": tag, "Content-Security-Policy": PUBLIC_CSP,
               "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)


def _html(request: Request, name: str, status: int = 200, **context) -> Response:
    body = templates.get_template(name).render(request=request, **context).encode()
    response = _cached(request, body, "text/html; charset=utf-8")
    response.status_code = status if response.status_code == 200 else response.status_code
    return response


def _rows(session: Session, *, q: str, asker: str, topic: str, municipality: str, start: date | None, end: date | None,
          limit: int, offset: int) -> tuple[list[tuple[Publication, Inquiry, Municipality]], int]:
    """The published inquiries matching, newest received first, with their inquiry (its deadline) and municipality."""
    query = (select(Publication, Inquiry, Municipality).join(Inquiry, col(Inquiry.id) == col(Publication.inquiry_id))
             .join(Municipality, col(Municipality.id) == col(Publication.municipality_id)))
    conditions = []
    # Every word searched must be among the published stems (padded with spaces, so a stem matches whole).
    for stem in list(dict.fromkeys(content_stems(q[:300])))[:MAX_TERMS]:
        conditions.append(col(Publication.search_terms).contains(f" {stem} ", autoescape=True))
    if asker:
        conditions.append(col(Publication.asker) == asker)
    if topic:
        conditions.append(col(Publication.topic) == topic)
    if municipality:
        conditions.append(col(Municipality.key) == municipality)
    if start:
        conditions.append(col(Publication.received_on) >= start)
    if end:
        conditions.append(col(Publication.received_on) <= end)
    if conditions:
        query = query.where(and_(*conditions))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Publication.received_on).desc(), col(Publication.id).desc())
                        .offset(offset).limit(limit)).all()
    return [tuple(r) for r in rows], total  # type: ignore[misc]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@router.api_route("/offentlig/", methods=PUBLIC_METHODS)
@router.api_route("/offentlig", methods=PUBLIC_METHODS)
def listing(request: Request, session: SessionDep, q: str = "", spoerger: str = "", emne: str = "", kommune: str = "",
            fra: str = "", til: str = "", side: int = 1):
    """The published questions and answers, searched and filtered."""
    page_no = min(max(side, 1), 10_000)
    values = {"q": q[:300], "spoerger": spoerger[:300], "emne": emne[:200], "kommune": kommune[:100], "fra": fra[:10], "til": til[:10]}
    rows, total = _rows(session, q=values["q"], asker=values["spoerger"], topic=values["emne"], municipality=values["kommune"],
                        start=_day(values["fra"]), end=_day(values["til"]), limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    askers = session.exec(select(col(Publication.asker)).distinct().order_by(col(Publication.asker)).limit(500)).all()
    topics = session.exec(select(col(Publication.topic)).where(col(Publication.topic).is_not(None)).distinct()
                          .order_by(col(Publication.topic)).limit(500)).all()
    municipalities = session.exec(select(Municipality).where(col(Municipality.id).in_(
        select(col(Publication.municipality_id)).distinct())).order_by(col(Municipality.name))).all()
    return _html(request, "public/list.html", rows=rows, total=total, values=values, askers=askers, topics=topics,
                 municipalities=municipalities, page_no=page_no, pages=max(1, -(-total // PAGE_SIZE)), week=expected_week)


@router.api_route("/offentlig/feed.atom", methods=PUBLIC_METHODS)
def feed(request: Request, session: SessionDep):
    """The newest publications as an Atom feed."""
    base = get_settings().public_url.rstrip("/")
    rows = session.exec(select(Publication, Municipality).join(Municipality, col(Municipality.id) == col(Publication.municipality_id))
                        .order_by(col(Publication.published_at).desc(), col(Publication.id).desc()).limit(FEED_SIZE)).all()
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "da"})

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    add(root, "title", "Besvar: offentliggjorte spørgsmål og svar")
    add(root, "id", f"{base}/offentlig/")
    add(root, "link", href=f"{base}/offentlig/feed.atom", rel="self")
    add(root, "link", href=f"{base}/offentlig/", rel="alternate")
    newest = rows[0][0].published_at if rows else datetime(2020, 1, 1, tzinfo=UTC)
    add(root, "updated", newest.isoformat(timespec="seconds"))
    add(add(root, "author"), "name", "Besvar")
    for publication, municipality in rows:
        entry = add(root, "entry")
        add(entry, "title", publication.title)
        add(entry, "id", f"{base}/offentlig/{publication.slug}")
        add(entry, "link", href=f"{base}/offentlig/{publication.slug}", rel="alternate")
        add(entry, "updated", publication.published_at.isoformat(timespec="seconds"))
        add(add(entry, "author"), "name", publication.asker)
        status = "Besvaret" if publication.letter_id else "Ikke besvaret endnu"
        add(entry, "summary", f"{municipality.name}. {status}. Spørgsmål fra {publication.asker}, modtaget "
                              f"{publication.received_on.isoformat()}.")
        if publication.topic:
            add(entry, "category", term=publication.topic)
    content = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return _cached(request, content, "application/atom+xml; charset=utf-8")


def _published(session: Session, slug: str) -> tuple[Publication, Inquiry, Municipality]:
    row = session.exec(select(Publication, Inquiry, Municipality).join(Inquiry, col(Inquiry.id) == col(Publication.inquiry_id))
                       .join(Municipality, col(Municipality.id) == col(Publication.municipality_id))
                       .where(col(Publication.slug) == slug[:120])).first()
    if row is None:
        raise NotFound("no such publication")
    return row[0], row[1], row[2]


@router.api_route("/offentlig/{slug}", methods=PUBLIC_METHODS)
def one(request: Request, slug: str, session: SessionDep):
    """One published inquiry: its questions, the answer (redacted) and the redaction log, or when it is expected."""
    publication, inquiry, municipality = _published(session, slug)
    return _html(request, "public/one.html", p=publication, inquiry=inquiry, municipality=municipality,
                 week=expected_week, passages=sum(r["count"] for r in publication.redaction_log))


@router.api_route("/offentlig/{slug}/svar.pdf", methods=PUBLIC_METHODS)
def pdf(request: Request, slug: str, session: SessionDep):
    """The published answer as PDF, rendered from the redacted text."""
    publication, _inquiry, _municipality = _published(session, slug)
    if publication.pdf is None:
        raise NotFound("the inquiry is not answered yet")
    response = _cached(request, publication.pdf, "application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="svar-{publication.slug[:60]}.pdf"'
    return response


