"""Earlier answer letters into the bank: read and propose (nothing stored), then store what a person confirmed."""

import re
from datetime import date
from difflib import SequenceMatcher
from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from app import formatting, policy
from app.audit import service as audit
from app.bank.old_letters import parsing, reading, sandbox
from app.errors import Invalid, TooLarge
from app.fields import Flag, Key, Line, PlausibleDate, Text
from app.inquiries import service as inquiry_service
from app.inquiries.schemas import AskerIn, CaseRefIn, InquiryIn, QuestionIn
from app.library import search_index, sharing
from app.library import service as library_service
from app.library.schemas import ParagraphContent
from app.models import (
    InquiryState,
    InquiryStatus,
    Paragraph,
    ParagraphVersion,
    QuestionParagraph,
    User,
)

MAX_FILES = 20
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_QUESTIONS = 200  # per confirmed inquiry
MAX_PARAGRAPHS = 100  # per confirmed question
SAME_TEXT = 0.9  # this similar to a stored paragraph, and it is that paragraph again


class ProposedParagraph(BaseModel):
    title: str
    text: str
    duplicate_of: str | None = Field(default=None, description="key of the stored paragraph with (nearly) this text")
    duplicate_title: str | None = None
    similarity: float | None = None


class ProposedQuestion(BaseModel):
    text: str
    paragraphs: list[ProposedParagraph]


class Proposal(BaseModel):
    """What one file seems to hold; a person confirms or edits it before anything is stored."""

    file: str
    title: str
    asker: str
    received_on: date | None
    letter_date: date | None
    case_numbers: list[str]
    questions: list[ProposedQuestion]


class ConfirmParagraph(BaseModel):
    model_config = {"extra": "forbid"}
    include: Flag = True
    use_existing: Key | None = Field(default=None, description="link this stored paragraph instead of adding the text")
    title: Line
    text: Annotated[str, Text(50_000, min_length=1)]


class ConfirmQuestion(BaseModel):
    model_config = {"extra": "forbid"}
    text: Annotated[str, Text(10_000, min_length=1)]
    paragraphs: list[ConfirmParagraph] = Field(default_factory=list, max_length=MAX_PARAGRAPHS)


class ConfirmIn(BaseModel):
    """An edited proposal: stored as an answered inquiry whose questions lead to their paragraphs."""

    model_config = {"extra": "forbid"}
    title: Annotated[str, Text(500, min_length=1)]
    asker: AskerIn
    received_on: PlausibleDate
    case_refs: list[CaseRefIn] = Field(default_factory=list, max_length=20)
    organisation: Key | None = None
    questions: list[ConfirmQuestion] = Field(min_length=1, max_length=MAX_QUESTIONS)


class ConfirmOut(BaseModel):
    inquiry_id: int
    paragraphs_added: list[str]
    paragraphs_reused: list[str]


def _title(text: str) -> str:
    words = text.split()
    return " ".join(words[:8]).rstrip(".,:;") + ("…" if len(words) > 8 else "")


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _duplicate(session: Session, text: str, user: User | None) -> tuple[Paragraph, ParagraphVersion, float] | None:
    """The stored paragraph that holds (nearly) this text, found through the search index.

    Compared as the stored text reads with its figures filled in, and by how much of the new
    text it covers: a stored paragraph often joins several of a letter's paragraphs.
    """
    hits = search_index.search(session, text[:10_000]).paragraphs[:5]
    if not hits:
        return None
    query = select(Paragraph, ParagraphVersion).join(
        ParagraphVersion, (col(ParagraphVersion.paragraph_id) == col(Paragraph.id)) & (col(ParagraphVersion.version) == col(Paragraph.current_version)))
    # Only among the paragraphs the user may use: another municipality's are not named.
    if (visible := sharing.visible(policy.access(session, user), Paragraph)) is not None:
        query = query.where(visible)
    rows = session.exec(query.where(col(Paragraph.id).in_([h.ref_id for h in hits]))).all()
    mine = _normal(text)
    best = None
    for p, v in sorted(rows, key=lambda row: row[0].id):
        theirs = _normal(library_service.render(session, v.text, date.today(), organisation_id=p.organisation_id).text)
        blocks = SequenceMatcher(None, mine, theirs, autojunk=False).get_matching_blocks()
        covered = sum(b.size for b in blocks if b.size >= 3) / max(len(mine), 1)
        if best is None or covered > best[2]:
            best = (p, v, covered)
    return best if best and best[2] >= SAME_TEXT else None


def propose(session: Session, files: list[tuple[str, bytes]], *, user: User | None) -> list[Proposal]:
    """Read each file and propose questions and paragraphs; any unreadable file is a 422 naming it."""
    if not files:
        raise Invalid("send at least one file", field="files")
    if len(files) > MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} files at a time", field="files")
    out = []
    for name, data in files:
        if len(data) > MAX_FILE_BYTES:
            raise TooLarge(f"{name}: filen fylder {len(data)} byte (højst {MAX_FILE_BYTES})")
        lines = sandbox.read(name, data)
        found = parsing.find(parsing.join_wrapped(lines))
        if not found.questions:
            raise reading.UnreadableFile(name, "Besvar fandt ingen spørgsmål i brevet. Spørgsmålene læses, når de er "
                                               "nummererede (1., 2., …) under en linje som »Spørgsmål« eller »… følgende "
                                               "spørgsmål:«, eller står med punkttegn, og svarene står efter »Ad 1:« eller "
                                               "»Svar:«. Ret brevet, så det ser sådan ud, eller opret henvendelsen selv "
                                               "under Ny henvendelse")
        questions = []
        for question, answer in zip(found.questions, found.answers, strict=False):
            paragraphs = []
            for text in answer:
                dup = _duplicate(session, text, user)
                paragraphs.append(ProposedParagraph(
                    title=_title(text), text=text, duplicate_of=dup[0].key if dup else None,
                    duplicate_title=dup[1].title if dup else None, similarity=round(dup[2], 3) if dup else None))
            questions.append(ProposedQuestion(text=question, paragraphs=paragraphs))
        out.append(Proposal(file=name, title=found.title or name.rsplit(".", 1)[0], asker=found.asker,
                            received_on=found.received_on or found.letter_date, letter_date=found.letter_date,
                            case_numbers=found.case_numbers, questions=questions))
    return out


def _new_key(session: Session, title: str) -> str:
    base = "import-" + (formatting.key_of(title, 60) or "afsnit")
    key, n = base, 1
    while session.exec(select(col(Paragraph.id)).where(col(Paragraph.key) == key)).first() is not None:
        n += 1
        key = f"{base}-{n}"
    return key


def confirm(session: Session, *, data: ConfirmIn, user: User) -> ConfirmOut:
    """Store the confirmed letter as an answered inquiry, new paragraphs and the links, in one transaction."""
    inquiry = inquiry_service.stage(session, data=InquiryIn(
        title=data.title, asker=data.asker, received_on=data.received_on, case_refs=data.case_refs,
        organisation=data.organisation, questions=[QuestionIn(text=q.text) for q in data.questions]), user=user)
    inquiry.status, inquiry.state = InquiryStatus.answered, InquiryState.answered  # a past answer: no move, it was made
    questions = inquiry_service.questions_of(session, inquiry.id)
    added, reused, touched = [], [], []
    for question, confirmed in zip(questions, data.questions, strict=False):
        position, linked = 0, set()
        for item in confirmed.paragraphs:
            if not item.include:
                continue
            if item.use_existing:
                paragraph = session.exec(select(Paragraph).where(col(Paragraph.key) == item.use_existing)).first()
                usable = sharing.owners(session, {paragraph.id}, sharing.answering(session, inquiry.organisation_id)) if paragraph else {}
                if paragraph is None or paragraph.id not in usable:
                    raise Invalid(f"no paragraph {item.use_existing!r}", field="use_existing")
                reused.append(paragraph.key)
            else:
                paragraph = Paragraph(key=_new_key(session, item.title), organisation_id=inquiry.organisation_id)
                library_service.stage_version(session, paragraph, ParagraphContent(title=item.title, text=item.text),
                                              created_by=user.username)
                added.append(paragraph.key)
                touched.append(paragraph.id)
            if paragraph.id in linked:
                continue  # several of the letter's paragraphs are one stored paragraph: link it once
            linked.add(paragraph.id)
            position += 1
            session.add(QuestionParagraph(question_id=question.id, paragraph_id=paragraph.id,
                                          paragraph_version=paragraph.current_version, position=position))
    session.flush()
    search_index.update_documents(session, search_index.PARAGRAPH, touched)
    search_index.update_documents(session, search_index.QUESTION, [q.id for q in questions])
    audit.record(session, actor=user.username, action="bank.import_letter", inquiry_id=inquiry.id,
                 detail={"title": data.title, "added": added, "reused": reused})
    session.commit()
    return ConfirmOut(inquiry_id=inquiry.id, paragraphs_added=added, paragraphs_reused=reused)

