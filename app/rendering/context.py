"""LetterContext: everything a document shows, as plain data built once from the database."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from app import formatting
from app.db import stored
from app.errors import Invalid, NotFound
from app.inquiries.deadlines import today as danish_today
from app.letters import kinds
from app.library import service as library_service
from app.library import statfill
from app.models import (
    Asker,
    CaseRef,
    Inquiry,
    Letter,
    LetterBlock,
    LetterheadLogo,
    Organisation,
    ParagraphVersion,
    Person,
    Question,
)


@dataclass(frozen=True)
class Letterhead:
    municipality: str
    name: str
    unit: str | None
    street: str | None
    postcode: str | None
    city: str | None
    phone: str | None
    web: str | None
    email: str | None
    logo: str | None = None  # a file under letter_templates/, SVG or PNG
    logo_docx: str | None = None  # a PNG for Word, which cannot place SVG
    # A logo the forvaltning's admin uploaded (app.organisations.logos checked it); it wins over the files above.
    uploaded_png: bytes | None = field(default=None, repr=False)
    uploaded_svg: bytes | None = field(default=None, repr=False)
    colour: str = "#1a1a1a"
    font: str = "Liberation Sans"
    docx_font: str = "Arial"
    date_style: dict[str, str] = field(default_factory=dict)  # per document kind: "numeric" or "long"


    @property
    def logo_src(self) -> str | None:
        """Where the PDF's logo comes from: an uploaded one (served by the template fetcher), or a bundled file."""
        if self.uploaded_svg:
            return UPLOADED_SVG
        if self.uploaded_png:
            return UPLOADED_PNG
        return self.logo


UPLOADED_SVG, UPLOADED_PNG = "besvar-upload:logo.svg", "besvar-upload:logo.png"


@dataclass(frozen=True)
class CaseNumber:
    system: str
    kind: str
    number: str

    @property
    def label(self) -> str:
        """'Sagsnummer i F2', 'Dokumentnummer i eDoc'."""
        return f"{self.kind.capitalize()} i {self.system}"


Table = statfill.Table
_Day = date  # LetterContext's field `date` hides the type inside the class


@dataclass(frozen=True)
class Answer:
    number: int
    question: str
    paragraphs: tuple[str | Table, ...]  # one entry per paragraph, statistics filled in


_OPENING, _CLOSING = "\"“„«'‘", "\"”“»'’"
_INNER_DOUBLE = re.compile(r'"([^"\n]{1,500})"')
_INNER_SINGLE = re.compile(r"(?<![\w])'([^'\n]{1,500})'(?![\w])")


def as_quoted(question: str) -> str:
    """A question as the letter quotes it: the layout adds the outer “ ”, so quotes around the whole (or one
    left at an end by a paste) are dropped, and quotes inside become ‘ ’: one style throughout (issue 21)."""
    text = question.strip()
    while len(text) > 1 and text[0] in _OPENING and text[-1] in _CLOSING:
        text = text[1:-1].strip()
    if text.count('"') % 2 == 1:  # an odd one out at an end: the rest of a pair the paste cut
        text = text[:-1].rstrip() if text.endswith('"') else text[1:].lstrip() if text.startswith('"') else text
    return _INNER_SINGLE.sub(r"‘\1’", _INNER_DOUBLE.sub(r"‘\1’", text)) or question


@dataclass(frozen=True)
class LetterContext:
    kind: str  # a key of app.letters.kinds.REGISTRY
    letterhead: Letterhead
    title: str
    date: date
    recipient_name: str  # build refuses a letter without one
    recipient_title: str | None
    recipient_email: str | None
    copy_to: str | None
    case_numbers: tuple[CaseNumber, ...]
    salutation: str | None
    intro: str | None
    answers: tuple[Answer, ...]
    signatory_name: str | None
    signatory_title: str | None
    initials: str | None
    approval: str | None = None  # "Godkendt af NAME, TITLE, DATE" once approved
    warnings: tuple[str, ...] = field(default_factory=tuple)
    figures: tuple[statfill.UsedFigure, ...] = field(default_factory=tuple)  # the statistic values shown
    expected_answer_on: _Day | None = None  # an interim reply's promise

    @property
    def date_text(self) -> str:
        """The letter's date as this kind of document from this organisation writes it."""
        return formatting.document_date(self.date, self.kind, self.letterhead.date_style)

    @property
    def case_line(self) -> str:
        """The header line: the case numbers, as short as they stay clear."""
        numbers = [c for c in self.case_numbers if c.kind.lower().startswith("sag")] or list(self.case_numbers)
        return " · ".join(f"{c.system} {c.number}" if len(numbers) > 1 else c.number for c in numbers)

    @property
    def case_number(self) -> str:
        """The case's own number (the sagsnummer), not its document numbers: what a notat's "Sagsnr." shows."""
        numbers = [c.number for c in self.case_numbers if c.kind.lower().startswith("sag")] or [c.number for c in self.case_numbers]
        return numbers[0] if numbers else ""

    @property
    def notat_head(self) -> list[tuple[str, str, str]]:
        """A notat's header block as the original sets it: label, value, and the sender's address on the right,
        with "Init." under the address (one place for both formats)."""
        lh = self.letterhead
        rows = [("Til", self.recipient_name or "", lh.unit or ""), ("Kopi til", self.copy_to or "", lh.name),
                ("Fra", self.signatory_name or self.sender, lh.street or ""),
                ("Sagsnr.", self.case_number, f"{lh.postcode or ''} {lh.city or ''}".strip())]
        if self.initials:
            rows.append(("", "", f"Init.: {self.initials}"))
        return rows

    @property
    def header_title(self) -> str:
        """The title as the running header shows it: cut at a word to fit the header's one line, with "…".

        Cut here, in the text, not by CSS overflow: a clipped line keeps the hidden words in the PDF's text,
        and its ellipsis then extracts as them wherever a real "…" is written (issue 21)."""
        room = HEADER_CHARS - (len(self.case_line) + 3 if self.case_line else 0)
        title = " ".join(self.title.split())
        if len(title) <= room:
            return title
        cut = title[:max(room - 1, 10)]
        cut = cut.rsplit(" ", 1)[0] if " " in cut[len(cut) // 2:] else cut
        return cut.rstrip(" ,.;:–-") + "…"

    @property
    def organisation_line(self) -> str:
        """Pages 2 on of a brev: "Direktionen / Beskæftigelses- og Integrationsforvaltningen"."""
        return " / ".join(part for part in (self.letterhead.unit, self.letterhead.name) if part)

    @property
    def sender(self) -> str:
        """The unit and department the document comes from."""
        lh = self.letterhead
        return " ".join(part for part in (lh.unit, lh.name) if part)


# What the running header's one line holds beside "Side X af Y": 135 mm of 8 pt Liberation Sans is about 95
# average characters; a few are kept for wide letters (W, M, Æ).
HEADER_CHARS = 88

# About 100 pages; past it a render takes seconds and the letter should be split anyway.
MAX_LETTER_CHARS = 300_000


def letterhead_of(org: Organisation, logo: LetterheadLogo | None = None) -> Letterhead:
    """The organisation's letterhead: its address block and its look (logo, colour, fonts, date style)."""
    lh = org.letterhead or {}
    return Letterhead(
        municipality=org.municipality, name=org.name, unit=org.unit, street=org.street, postcode=org.postcode,
        city=org.city, phone=org.phone, web=org.web, email=org.email,
        **{k: lh[k] for k in ("logo", "logo_docx", "colour", "font", "docx_font", "date_style") if lh.get(k)},
        uploaded_png=logo.png if logo else None, uploaded_svg=logo.svg if logo else None,
    )


def preview(org: Organisation, kind: str, logo: LetterheadLogo | None = None) -> LetterContext:
    """A sample letter of `kind` on the organisation's letterhead: what the admin sees before staff write one."""
    kinds.of(kind)
    return LetterContext(
        kind=kind, letterhead=letterhead_of(org, logo), title="Svar på spørgsmål om ventetider (prøvebrev)", date=danish_today(),
        recipient_name="Anna Andersen", recipient_title="medlem af kommunalbestyrelsen", recipient_email=None, copy_to=None,
        case_numbers=(CaseNumber(system=(org.esdh_systems or ["ESDH"])[0], kind="sagsnummer", number="2026-000000"),),
        salutation="Kære Anna Andersen", intro="Tak for din henvendelse, hvor du har stillet følgende spørgsmål:",
        answers=(Answer(1, "Hvor lang er ventetiden i dag?",
                        ("Ventetiden er i gennemsnit **41 dage**. Forvaltningen arbejder på at nedbringe den:\n"
                         "- flere sagsbehandlere fra 1. marts\n- en ny visitation",)),),
        signatory_name="Navn Navnesen", signatory_title="Direktør", initials="NN")


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("\n\n") if p.strip())


def used_keys(texts: Iterable[list[str]]) -> set[str]:
    """The statistic keys the answer texts refer to."""
    return set().union(*(statfill.keys_in(t) for group in texts for t in group))


def build(session: Session, *, letter_id: int, approval: str | None = None) -> LetterContext:
    """The context of one letter; its statistics filled in as of the letter's date."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound(f"no letter with id {letter_id}")
    inquiry = stored(session, Inquiry, letter.inquiry_id)
    org = stored(session, Organisation, inquiry.organisation_id)
    asker = stored(session, Asker, inquiry.asker_id)
    signatory = session.get(Person, letter.signatory_id) if letter.signatory_id else None
    questions = list(session.exec(select(Question).where(col(Question.inquiry_id) == inquiry.id).order_by(col(Question.number))))
    refs = session.exec(select(CaseRef).where(col(CaseRef.inquiry_id) == inquiry.id).order_by(col(CaseRef.position)))
    kind = kinds.of(letter.kind)
    # A kind that does not answer the questions (an interim reply) only names them: its blocks, if any, are not shown.
    blocks = list(session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == letter.id).order_by(col(LetterBlock.position)))) \
        if kind.answers_questions else []
    versions = {
        (v.paragraph_id, v.version): v
        for v in session.exec(
            select(ParagraphVersion).where(col(ParagraphVersion.paragraph_id).in_({b.paragraph_id for b in blocks if b.paragraph_id}))
        )
    }
    raw: dict[int, list[str]] = defaultdict(list)
    for block in blocks:
        if block.paragraph_id is not None and block.paragraph_version is not None:
            raw[block.question_id].append(versions[(block.paragraph_id, block.paragraph_version)].text)
        elif block.text:
            raw[block.question_id].append(block.text)
    size = sum(len(q.text) for q in questions) + sum(len(t) for texts in raw.values() for t in texts)
    if size > MAX_LETTER_CHARS:
        raise Invalid(
            f"the letter holds {size:,} characters of questions and answers; at most {MAX_LETTER_CHARS:,} can be "
            "rendered as one document: split it into several letters",
            field="answers",
        )
    as_of = letter.letter_date or danish_today()
    # A submitted letter shows the figures pinned at submit: what the approver reviews is what is approved.
    series = (statfill.unpin(letter.pinned_series) if letter.pinned_series is not None
              else library_service.load_series(session, used_keys(raw.values()),
                                               organisation_id=inquiry.organisation_id))
    answers: list[Answer] = []
    warnings: list[str] = []
    figures: list[statfill.UsedFigure] = []
    for q in questions:
        paragraphs: list[str | Table] = []
        for text in raw[q.id]:
            for paragraph in _paragraphs(text):
                if (keys := statfill.table_keys(paragraph)) is not None:
                    if (t := statfill.table(keys, series, as_of)) is not None:
                        paragraphs.append(t)
                        figures += t.used
                    else:
                        warnings.append(f"Spørgsmål {q.number}: ingen tal til tabellen {', '.join(keys)}")
                    continue
                filled = statfill.fill(paragraph, series, as_of)
                figures += filled.used
                warnings += filled.warnings + [f"Spørgsmål {q.number}: mangler tal for {m}" for m in filled.missing]
                paragraphs.append(filled.text)
        answers.append(Answer(number=q.number, question=as_quoted(q.text), paragraphs=tuple(paragraphs)))
    # Placeholders expand ([[x.navn]] x 4,500 became 1.37 M characters): the cap is on the text as it will be
    # drawn, so the renderer never sees more than it can lay out within its time limit.
    drawn = sum(len(q.text) for q in questions) + sum(
        len(p) if isinstance(p, str) else sum(len(c) for row in (p.header, *p.rows) for c in row)
        for a in answers for p in a.paragraphs)
    if drawn > MAX_LETTER_CHARS:
        raise Invalid(
            f"with its figures filled in the letter holds {drawn:,} characters; at most {MAX_LETTER_CHARS:,} can be "
            "rendered as one document: split it into several letters",
            field="answers",
        )
    letterhead = letterhead_of(org, session.get(LetterheadLogo, org.id))
    recipient = letter.recipient_name or asker.name
    if kind.addressed and not recipient:
        raise Invalid("the letter has no recipient", field="recipient_name")
    return LetterContext(
        kind=letter.kind,
        letterhead=letterhead,
        title=letter.title,
        date=as_of,
        recipient_name=recipient,
        recipient_title=letter.recipient_title if letter.recipient_name else asker.role,
        recipient_email=letter.recipient_email if letter.recipient_name else asker.email,
        copy_to=letter.copy_to,
        case_numbers=tuple(CaseNumber(system=r.system, kind=r.kind, number=r.number) for r in refs),
        salutation=letter.salutation or (f"Kære {recipient}" if kind.addressed else None),
        intro=letter.intro or (
            f"Tak for din henvendelse af {formatting.long_date(inquiry.received_on)} til {org.name}, "
            "hvor du har stillet følgende spørgsmål:" if kind.addressed else None
        ),
        answers=tuple(answers),
        signatory_name=signatory.name if signatory else None,
        signatory_title=signatory.title if signatory else None,
        initials=letter.initials,
        approval=approval,
        warnings=tuple(warnings),
        figures=tuple(dict.fromkeys(figures)),
        expected_answer_on=letter.expected_answer_on,
    )
