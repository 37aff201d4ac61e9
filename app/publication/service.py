"""Publication (issue 23): an inquiry put on the public pages by a person with the right — its questions, and once
answered the approved answer, redacted. The published text and PDF are made from the redacted text; the approved
letter's frozen documents are never touched. One transaction per step, an audit entry each."""

import re
from collections import Counter
from dataclasses import replace
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.db import stored
from app.errors import Conflict, Invalid, NotFound
from app.formatting import ascii_text
from app.inquiries.deadlines import today as danish_today
from app.library.analysis import content_stems
from app.library.statfill import Table
from app.models import (
    Asker,
    AuditEntry,
    Inquiry,
    InquiryState,
    Letter,
    LetterBlock,
    LetterStatus,
    Organisation,
    ParagraphVersion,
    Publication,
    Question,
    User,
    utcnow,
)
from app.policy import Action
from app.publication import redaction
from app.rendering import context, jobs, pool
from app.rendering.context import LetterContext

ANSWERS = ("brev", "notat")


def slug_for(inquiry: Inquiry) -> str:
    """The public address: year, id and the title's words, ASCII (æ → ae), at most 120 characters."""
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text(inquiry.title.lower())).strip("-")[:80].rstrip("-")
    return f"{inquiry.received_on.year}-{inquiry.id}" + (f"-{words}" if words else "")


def answer_of(session: Session, inquiry_id: int) -> Letter | None:
    """The answer in force: the latest approved brev or notat (a correction approved replaces the one before)."""
    return session.exec(select(Letter).where(col(Letter.inquiry_id) == inquiry_id, col(Letter.status) == LetterStatus.approved,
                                             col(Letter.kind).in_(ANSWERS))
                        .order_by(col(Letter.approved_at).desc(), col(Letter.id).desc())).first()


def _approval(session: Session, letter: Letter) -> str | None:
    """The approval line the frozen PDF carries, as approval wrote it in its audit entry."""
    detail = session.exec(select(col(AuditEntry.detail)).where(col(AuditEntry.letter_id) == letter.id,
                                                              col(AuditEntry.action) == "letter.approve")
                          .order_by(col(AuditEntry.id).desc())).first()
    return (detail or {}).get("approval")


def _redacted(ctx: LetterContext, redactions: list[redaction.Redaction], counts: Counter[str]) -> LetterContext:
    """The context with every passage removed from every text it draws (title, greeting, questions, answers, tables)."""
    def r(text: str | None) -> str | None:
        return redaction.apply(text, redactions, counts) if text else text

    def paragraph(p: str | Table) -> str | Table:
        if isinstance(p, Table):
            return replace(p, header=tuple(r(c) or c for c in p.header), rows=tuple(tuple(r(c) or c for c in row) for row in p.rows))
        return r(p) or p

    def pdf_only(text: str | None) -> str | None:  # not on the public page: not counted twice in the log
        return redaction.apply(text, redactions) if text else text

    answers = tuple(replace(a, question=r(a.question) or a.question, paragraphs=tuple(paragraph(p) for p in a.paragraphs))
                    for a in ctx.answers)
    return replace(ctx, title=pdf_only(ctx.title) or ctx.title, salutation=pdf_only(ctx.salutation),
                   intro=pdf_only(ctx.intro), copy_to=pdf_only(ctx.copy_to), recipient_email=None, answers=answers)


def _texts(ctx: LetterContext) -> list[str]:
    """Every text of the context a passage may be found in."""
    out = [t for t in (ctx.title, ctx.salutation, ctx.intro, ctx.copy_to) if t]
    for a in ctx.answers:
        out.append(a.question)
        for p in a.paragraphs:
            out += [c for row in (p.header, *p.rows) for c in row] if isinstance(p, Table) else [p]
    return out


def _topic(session: Session, letter: Letter) -> str | None:
    """The answer's topic: the one its library paragraphs name most often."""
    topics: Counter[str] = Counter()
    query = (select(ParagraphVersion).join(LetterBlock, (col(LetterBlock.paragraph_id) == col(ParagraphVersion.paragraph_id))
                                          & (col(LetterBlock.paragraph_version) == col(ParagraphVersion.version)))
             .where(col(LetterBlock.letter_id) == letter.id))
    for version in session.exec(query):
        topics.update(str(t) for t in version.topics)
    return topics.most_common(1)[0][0][:200] if topics else None


def _publishable(session: Session, inquiry_id: int, user: User | None) -> Inquiry:
    """The inquiry if the user may publish it; 404 outside what they may read, 403 where they may only read it."""
    inquiry = session.get(Inquiry, inquiry_id)
    missing = f"no inquiry with id {inquiry_id}"
    if inquiry is None:
        raise NotFound(missing)
    policy.check(policy.access(session, user), Action.publish, inquiry.organisation_id, missing=missing)
    return inquiry


def publish(session: Session, *, inquiry_id: int, items: list[tuple[str, str]], user: User | None,
            timeout: float) -> Publication:
    """Put the inquiry on the public pages (or again, with its answer or other redactions): 422 for a passage
    found nowhere, 409 for an inquiry declined or transferred."""
    inquiry = _publishable(session, inquiry_id, user)
    if InquiryState(inquiry.state) in (InquiryState.declined, InquiryState.transferred):
        raise Conflict(f"the inquiry is {inquiry.state}: there is nothing of it to publish")
    redactions = redaction.checked(items)
    org = stored(session, Organisation, inquiry.organisation_id)
    letter = answer_of(session, inquiry.id)
    counts: Counter[str] = Counter()
    pdf: bytes | None = None
    if letter is not None:
        ctx = context.build(session, letter_id=letter.id, approval=_approval(session, letter))
        if lost := redaction.unfound([inquiry.title, *_texts(ctx)], redactions):
            raise Invalid(f"redaction {', '.join(map(str, lost))}: the passage is not in the answer or its questions",
                          field="redactions")
        public = _redacted(ctx, redactions, counts)
        questions: list[dict] = [{"number": a.number, "text": a.question,
                      "answer": [p if isinstance(p, str) else {"header": list(p.header), "rows": [list(r) for r in p.rows]}
                                 for p in a.paragraphs]} for a in public.answers]
        session.rollback()  # render outside any transaction, as approval does
        pdf = pool.run(jobs.pdf, public, timeout=timeout)
        inquiry = stored(session, Inquiry, inquiry_id)
    else:
        asked = list(session.exec(select(Question).where(col(Question.inquiry_id) == inquiry.id).order_by(col(Question.number))))
        texts = [inquiry.title, *(q.text for q in asked)]
        if lost := redaction.unfound(texts, redactions):
            raise Invalid(f"redaction {', '.join(map(str, lost))}: the passage is not in the questions", field="redactions")
        questions = [{"number": q.number, "text": redaction.apply(q.text, redactions, counts), "answer": None} for q in asked]
    # The inquiry's own title, as the list of questions names it (the letter's is "Svar på …"), redacted too.
    title = redaction.apply(stored(session, Inquiry, inquiry_id).title, redactions, counts)
    asker = stored(session, Asker, inquiry.asker_id)
    record = session.exec(select(Publication).where(col(Publication.inquiry_id) == inquiry.id)).first() or Publication(
        inquiry_id=inquiry.id, municipality_id=org.municipality_id or 0, slug=slug_for(inquiry), title=title,
        asker=asker.name, received_on=inquiry.received_on)
    words = " ".join([title, asker.name, *(str(q["text"]) for q in questions),
                      *(p for q in questions for p in (q["answer"] or []) if isinstance(p, str))])
    record.title, record.asker, record.questions, record.pdf = title[:500], asker.name[:300], questions, pdf
    record.letter_id = letter.id if letter else None
    record.answered_on = letter.letter_date if letter else None
    record.topic = _topic(session, letter) if letter else None
    record.redaction_log = redaction.log(counts)
    record.search_terms = f" {' '.join(sorted(set(content_stems(words))))} "
    record.published_at, record.published_by_id = utcnow(), user.id if user else None
    session.add(record)
    try:
        session.flush()  # the unique inquiry: published by someone else while this one rendered (a double click)
    except IntegrityError:
        session.rollback()
        raise Conflict("the inquiry was published meanwhile; reload it and publish again to change it") from None
    audit.record(session, actor=user.username if user else "system", action="inquiry.publish", inquiry_id=inquiry.id,
                 letter_id=letter.id if letter else None,
                 detail={"slug": record.slug, "answered": letter is not None, "redactions": record.redaction_log})
    session.commit()
    session.refresh(record)
    return record


def unpublish(session: Session, *, inquiry_id: int, user: User | None) -> None:
    """Take the inquiry off the public pages (its feed entry goes with it)."""
    _publishable(session, inquiry_id, user)
    record = session.exec(select(Publication).where(col(Publication.inquiry_id) == inquiry_id)).first()
    if record is None:
        raise Conflict("the inquiry is not published")
    session.delete(record)
    audit.record(session, actor=user.username if user else "system", action="inquiry.unpublish", inquiry_id=inquiry_id,
                 detail={"slug": record.slug})
    session.commit()


def expected_week(deadline: date) -> str:
    """ "uge 7" for the deadline in force (with its year when it is not this year's), as Lyngby-Taarbæk writes it."""
    year, week, _ = deadline.isocalendar()
    return f"uge {week}" + ("" if year == danish_today().year else f" {year}")

