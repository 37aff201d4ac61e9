"""Import question bank files: idempotent by key, one transaction per file."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from app import formatting
from app.audit import service as audit
from app.bank.loader import BankFileError, Locator, load
from app.bank.schema import (
    SECTIONS,
    BankFile,
    InquiryDoc,
    LetterDoc,
    ParagraphDoc,
    StatisticDoc,
)
from app.db import stored as stored_row
from app.errors import BesvarError
from app.inquiries import deadlines, states
from app.library import search_index, statfill
from app.library import service as library_service
from app.models import (
    Asker,
    CaseRef,
    Inquiry,
    Letter,
    LetterBlock,
    Municipality,
    Organisation,
    Paragraph,
    Person,
    Question,
    QuestionParagraph,
    Statistic,
    StatisticValue,
    SynonymGroup,
)
from app.organisations import structure
from app.sql import table_of


class UnknownReference(Exception):
    """A key that names nothing (yet); the file is retried after the others."""

    def __init__(self, loc: tuple, message: str):
        super().__init__(message)
        self.loc, self.message = loc, message


class DataError(Exception):
    """An error in the data at a known place in the file."""

    def __init__(self, loc: tuple, message: str):
        super().__init__(message)
        self.loc, self.message = loc, message


Keyed = TypeVar("Keyed", bound=SQLModel)  # a model with a unique `key` column


@dataclass
class FileReport:
    path: Path
    counts: Counter = field(default_factory=Counter)
    error: BankFileError | None = None


def _upsert(session: Session, model: type[Keyed], key: str, values: dict[str, Any]) -> tuple[Keyed, str]:
    """The row of `model` with `key`, created or brought up to `values`, and which of those happened."""
    row = session.exec(select(model).where(table_of(model).c.key == key)).first()
    if row is None:
        row = model(key=key, **values)
        session.add(row)
        session.flush()
        return row, "created"
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for k, v in changed.items():
        setattr(row, k, v)
    return row, "updated" if changed else "unchanged"


def _ref(session: Session, model: type[SQLModel], key: str | None, loc: tuple) -> int | None:
    if key is None:
        return None
    table = table_of(model)
    found: int | None = session.execute(core_select(table.c.id).where(table.c.key == key)).scalar()
    if found is None:
        raise UnknownReference(loc, f"{'.'.join(map(str, loc))}: no {model.__name__.lower()} with key {key!r}")
    return found


def _statistic(session: Session, i: int, doc: StatisticDoc, tally: Counter) -> None:
    values = doc.model_dump(exclude={"key", "organisation", "values"})
    values["organisation_id"] = _ref(session, Organisation, doc.organisation, ("statistics", i, "organisation"))
    stat, state = _upsert(session, Statistic, doc.key, values)
    for j, v in enumerate(doc.values):
        try:
            period = statfill.period_start(statfill.parse_period(str(v.period)), stat.period_kind)
        except ValueError as exc:
            raise DataError(("statistics", i, "values", j, "period"), f"statistics.{i}.values.{j}.period: {exc}") from exc
        row = session.exec(
            select(StatisticValue).where(col(StatisticValue.statistic_id) == stat.id, col(StatisticValue.period) == period)
        ).first()
        wanted: dict[str, Any] = {"value": v.value, "source": v.source, "note": v.note}
        if row is None:
            session.add(StatisticValue(statistic_id=stat.id, period=period, **wanted))
            state = "updated" if state == "unchanged" else state
        elif any(getattr(row, k) != val for k, val in wanted.items()):
            # The bank file is the source of truth: a changed figure there is a correction.
            for k, val in wanted.items():
                setattr(row, k, val)
            state = "updated" if state == "unchanged" else state
    session.flush()
    tally[state] += 1


def _paragraph(session: Session, i: int, doc: ParagraphDoc, tally: Counter) -> None:
    org_id = _ref(session, Organisation, doc.organisation, ("paragraphs", i, "organisation"))
    if unknown := library_service.unknown_statistics(session, doc.text, organisation_id=org_id):
        raise UnknownReference(("paragraphs", i, "text"), f"paragraphs.{i}.text: no statistic with key {', '.join(unknown)}")
    paragraph = session.exec(select(Paragraph).where(col(Paragraph.key) == doc.key)).first()
    if paragraph is None:
        paragraph = Paragraph(key=doc.key, organisation_id=org_id, current_version=1, shared_with=doc.shared_with)
        library_service.stage_version(session, paragraph, doc, created_by="bank")
        tally["created"] += 1
        return
    moved = paragraph.organisation_id != org_id or paragraph.shared_with != doc.shared_with
    paragraph.organisation_id, paragraph.shared_with = org_id, doc.shared_with
    added = library_service.stage_version(session, paragraph, doc, created_by="bank")
    tally["updated" if added or moved else "unchanged"] += 1


def _inquiry(session: Session, i: int, doc: InquiryDoc, tally: Counter) -> None:
    org_id = _ref(session, Organisation, doc.organisation, ("inquiries", i, "organisation"))
    org = stored_row(session, Organisation, org_id)
    values = doc.model_dump(include={"title", "channel", "received_on", "status", "kle_number", "kle_action"})
    values |= {
        "organisation_id": org_id,
        "asker_id": _ref(session, Asker, doc.asker, ("inquiries", i, "asker")),
        "deadline": doc.deadline or deadlines.add_working_days(doc.received_on, org.deadline_days),
        "state": states.FROM_STATUS[doc.status],
    }
    inquiry, state = _upsert(session, Inquiry, doc.key, values)
    changed = False

    refs = [(r.system, r.kind, r.number) for r in doc.case_refs]
    existing = session.exec(select(CaseRef).where(col(CaseRef.inquiry_id) == inquiry.id).order_by(col(CaseRef.position))).all()
    if [(r.system, r.kind, r.number) for r in existing] != refs:
        for r in existing:
            session.delete(r)
        session.flush()
        for position, (system, kind, number) in enumerate(refs, start=1):
            session.add(CaseRef(inquiry_id=inquiry.id, position=position, system=system, kind=kind, number=number))
        changed = True

    questions = {q.number: q for q in session.exec(select(Question).where(col(Question.inquiry_id) == inquiry.id))}
    for j, qdoc in enumerate(doc.questions):
        question = questions.pop(qdoc.number, None)
        if question is None:
            question = Question(inquiry_id=inquiry.id, number=qdoc.number, text=qdoc.text, remark=qdoc.remark)
            session.add(question)
            session.flush()
            changed = True
        elif (question.text, question.remark) != (qdoc.text, qdoc.remark):
            question.text, question.remark = qdoc.text, qdoc.remark
            changed = True
        changed |= _links(session, question, qdoc.answered_by, ("inquiries", i, "questions", j, "answered_by"))
    for leftover in questions.values():
        session.delete(leftover)
        changed = True
    tally["updated" if changed and state == "unchanged" else state] += 1


def _links(session: Session, question: Question, keys: list[str], loc: tuple) -> bool:
    """Point the question at the paragraphs that answered it; True if that changed anything."""
    paragraphs = []
    for n, key in enumerate(keys):
        pid = _ref(session, Paragraph, key, (*loc, n))
        paragraphs.append(stored_row(session, Paragraph, pid))
    existing = session.exec(
        select(QuestionParagraph).where(col(QuestionParagraph.question_id) == question.id).order_by(col(QuestionParagraph.position))
    ).all()
    if [link.paragraph_id for link in existing] == [p.id for p in paragraphs]:
        return False
    for link in existing:
        session.delete(link)
    session.flush()
    for position, p in enumerate(paragraphs, start=1):
        # A past answer used the text as it stood when it was recorded.
        session.add(QuestionParagraph(question_id=question.id, paragraph_id=p.id, paragraph_version=p.current_version, position=position))
    return True


def _letter(session: Session, i: int, doc: LetterDoc, tally: Counter) -> None:
    loc = ("letters", i)
    inquiry_id = _ref(session, Inquiry, doc.inquiry, (*loc, "inquiry"))
    values = doc.model_dump(exclude={"key", "inquiry", "signatory", "date", "answers"})
    values |= {
        "inquiry_id": inquiry_id,
        "letter_date": doc.date,
        "signatory_id": _ref(session, Person, doc.signatory, (*loc, "signatory")),
    }
    letter, state = _upsert(session, Letter, doc.key, values)
    questions = {q.number: q for q in session.exec(select(Question).where(col(Question.inquiry_id) == inquiry_id))}
    wanted: list[tuple[int, int | None, int | None, str | None]] = []
    if doc.answers is None:
        links = session.exec(
            select(QuestionParagraph).where(col(QuestionParagraph.question_id).in_([q.id for q in questions.values()]))
            .order_by(col(QuestionParagraph.question_id), col(QuestionParagraph.position))
        )
        wanted = [(link.question_id, link.paragraph_id, link.paragraph_version, None) for link in links]
    else:
        for j, answer in enumerate(doc.answers):
            question = questions.get(answer.question)
            if question is None:
                raise DataError((*loc, "answers", j, "question"), f"letters.{i}.answers.{j}.question: no question {answer.question}")
            for n, block in enumerate(answer.blocks):
                if (block.paragraph is None) == (block.text is None):
                    raise DataError((*loc, "answers", j, "blocks", n), f"letters.{i}.answers.{j}.blocks.{n}: give paragraph or text")
                if block.paragraph:
                    pid = _ref(session, Paragraph, block.paragraph, (*loc, "answers", j, "blocks", n, "paragraph"))
                    wanted.append((question.id, pid, stored_row(session, Paragraph, pid).current_version, None))
                else:
                    wanted.append((question.id, None, None, block.text))
    existing = session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == letter.id).order_by(col(LetterBlock.id))).all()
    if [(b.question_id, b.paragraph_id, b.text) for b in existing] != [(q, p, t) for q, p, _v, t in wanted]:
        for old in existing:
            session.delete(old)
        session.flush()
        positions: Counter = Counter()
        for question_id, pid, version, text in wanted:
            positions[question_id] += 1
            session.add(LetterBlock(letter_id=letter.id, question_id=question_id, position=positions[question_id],
                                    paragraph_id=pid, paragraph_version=version, text=text))
        state = "updated" if state == "unchanged" else state
    tally[state] += 1


def _simple(section: str, model: type[SQLModel], refs: dict[str, type[SQLModel]]) -> Callable:
    """An importer for a flat section whose `refs` fields name other rows by key."""

    def run(session: Session, i: int, doc, tally: Counter) -> None:
        values = doc.model_dump(exclude={"key", *refs})
        for name, target in refs.items():
            values[f"{name}_id"] = _ref(session, target, getattr(doc, name), (section, i, name))
        tally[_upsert(session, model, doc.key, values)[1]] += 1

    return run


def _organisation(session: Session, i: int, doc, tally: Counter) -> None:
    org, state = _upsert(session, Organisation, doc.key, doc.model_dump(exclude={"key"}))
    structure.place(session, org)
    tally[state] += 1


def _municipality(session: Session, i: int, doc, tally: Counter) -> None:
    found = session.exec(select(Municipality).where(col(Municipality.name) == doc.name)).first()
    if found is None:
        found = Municipality(key=formatting.key_of(doc.name) or "kommune", name=doc.name)
    sign_in = doc.sign_in.model_dump(exclude_none=True) if doc.sign_in else None
    if found.id is not None and found.sign_in == sign_in:
        tally["unchanged"] += 1
        return
    tally["created" if found.id is None else "updated"] += 1
    found.sign_in = sign_in
    session.add(found)
    session.flush()


# One importer per section, each called as importer(session, index, entry, tally).
_IMPORTERS: dict[str, Callable] = {
    "organisations": _organisation,
    "municipalities": _municipality,
    "synonyms": _simple("synonyms", SynonymGroup, {}),
    "people": _simple("people", Person, {"organisation": Organisation}),
    "askers": _simple("askers", Asker, {}),
    "statistics": _statistic,
    "paragraphs": _paragraph,
    "inquiries": _inquiry,
    "letters": _letter,
}


def _apply(engine: Engine, path: Path, bank: BankFile, locator: Locator) -> Counter:
    """Write one file in one transaction; nothing of it stays if any part fails."""
    tally: Counter = Counter()
    with Session(engine) as session:
        try:
            for section in SECTIONS:
                for i, doc in enumerate(getattr(bank, section)):
                    _IMPORTERS[section](session, i, doc, tally)
            if tally["created"] or tally["updated"]:
                audit.record(session, actor="bank", action="bank.import",
                             detail={"file": path.name, "created": tally["created"], "updated": tally["updated"]})
            session.commit()
        except (UnknownReference, DataError):
            session.rollback()
            raise
        except BesvarError as exc:
            session.rollback()
            raise BankFileError(path, 1, exc.detail) from exc
    return tally


def bank_files(path: Path) -> list[Path]:
    """The YAML files at `path` (a file or a folder, searched recursively), in name order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def import_path(engine: Engine, path: Path) -> list[FileReport]:
    """Import every bank file under `path`; a bad file is reported and leaves nothing behind."""
    reports = {p: FileReport(path=p) for p in bank_files(path)}
    if not reports:
        missing = FileReport(path=path, error=BankFileError(path, 1, "no .yaml files found"))
        return [missing]
    pending: list[tuple[Path, BankFile, Locator]] = []
    for p, report in reports.items():
        try:
            bank, locator = load(p)
            pending.append((p, bank, locator))
        except BankFileError as exc:
            report.error = exc
    # Files that only define organisations go first; a file whose references are not there
    # yet is tried again after the others, until a round makes no progress.
    pending.sort(key=lambda item: (min((SECTIONS.index(s) for s in SECTIONS if getattr(item[1], s)), default=0), str(item[0])))
    while pending:
        retry, progress = [], False
        for p, bank, locator in pending:
            try:
                reports[p].counts = _apply(engine, p, bank, locator)
                reports[p].error = None
                progress = True
            except (UnknownReference, DataError) as exc:
                reports[p].error = BankFileError(p, locator.line(exc.loc), exc.message)
                retry.append((p, bank, locator))
            except BankFileError as exc:
                reports[p].error = exc
        if not progress:
            break
        pending = retry
    if any(r.counts["created"] or r.counts["updated"] for r in reports.values()) or index_missing(engine):
        reindex(engine)
    return list(reports.values())


def index_missing(engine: Engine) -> bool:
    """True when there are paragraphs but no search index (a database from before migration 0007)."""
    with Session(engine) as session:
        return search_index.is_empty(session) and session.exec(select(col(Paragraph.id)).limit(1)).first() is not None


def reindex(engine: Engine) -> dict[str, int]:
    """Rebuild the search index in one transaction: new words and synonyms reach every document."""
    with Session(engine) as session:
        counts = search_index.rebuild(session)
        session.commit()
    return counts
