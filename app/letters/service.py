"""Drafts: create, read and save letters. Each public function is one workflow step."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting, policy
from app.audit import service as audit
from app.db import stored
from app.errors import Conflict, Invalid, NotFound
from app.inquiries import service as inquiry_service
from app.inquiries import states
from app.inquiries.deadlines import today as danish_today
from app.inquiries.states import Move
from app.letters import kinds
from app.letters.schemas import AnswerOut, BlockOut, LetterIn, LetterOut, LetterUpdate
from app.letters.titles import answer_title
from app.library import service as library_service
from app.library import sharing
from app.models import (
    Contribution,
    Inquiry,
    InquiryState,
    Letter,
    LetterBlock,
    LetterDocument,
    LetterKind,
    LetterStatus,
    Organisation,
    Paragraph,
    ParagraphVersion,
    Person,
    Question,
    Role,
    User,
)
from app.policy import Action
from app.sql import table_of, tuples_of

_FIELDS = ("kind", "title", "letter_date", "expected_answer_on", "recipient_name", "recipient_title", "recipient_email", "copy_to",
           "salutation", "intro", "signatory_id", "initials", "access")


def load(session: Session, letter_id: int, *, user: User | None, action: Action = Action.read) -> Letter:
    """The letter if the user may do `action` to it (in its inquiry's organisation); 404 if it is unknown or
    outside what they may read, 403 where they may read it but not do `action`."""
    letter = session.get(Letter, letter_id)
    missing = f"no letter with id {letter_id}"
    if letter is None:
        raise NotFound(missing)
    organisation_id = stored(session, Inquiry, letter.inquiry_id).organisation_id
    policy.check(policy.access(session, user), action, organisation_id, missing=missing)
    return letter


def organisation_of(session: Session, letter: Letter) -> int:
    """The id of the organisation the letter answers for (its inquiry's)."""
    return stored(session, Inquiry, letter.inquiry_id).organisation_id


def _names_of(session: Session, organisation_id: int) -> list[str]:
    """The words of the organisation's and municipality's names: places a title may start with."""
    org = session.get(Organisation, organisation_id)
    return [w for text in (org.municipality, org.name) if text for w in text.replace(",", " ").split() if w[:1].isupper()] \
        if org else []


def signatories(session: Session, organisation_id: int) -> list[Person]:
    """Who may sign the organisation's letters: its approvers."""
    return list(session.exec(select(Person).where(col(Person.organisation_id) == organisation_id,
                                                  col(Person.role) == Role.approver).order_by(col(Person.name))))


def decline(session: Session, *, inquiry_id: int, reason: str, user: User) -> LetterOut:
    """Answer that the questions will not be answered: the inquiry is afvist (app.inquiries.states), and a brev
    giving the reason as the answer to each question is drafted, to be approved and sent like any answer."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    states.require(session, user, Move.decline, inquiry)
    if inquiry.state == InquiryState.awaiting_approval:
        raise Conflict("a letter of this inquiry awaits approval: return it before declining the inquiry")
    states.make(session, inquiry, Move.decline, user=user, detail={"reason": reason}, checked=False)
    letter = _new_letter(session, inquiry, kinds.of(LetterKind.brev), user)
    session.flush()
    for question_id, _number in tuples_of(session.execute(_QUESTIONS, {"inquiry_id": inquiry.id})):
        session.add(LetterBlock(letter_id=letter.id, question_id=question_id, position=1, text=reason))
    audit.record(session, actor=user.username, action="letter.create", inquiry_id=inquiry.id, letter_id=letter.id,
                 detail={"kind": letter.kind, "title": letter.title, "declines": True})
    session.commit()
    return get(session, letter_id=letter.id, user=user)


def check_signatory(session: Session, letter: Letter) -> None:
    """422 if the letter's signatory does not sign for its organisation (now: after a transfer, say)."""
    if letter.signatory_id is not None:
        _check_signatory(session, letter, letter.signatory_id)


def _check_signatory(session: Session, letter: Letter, person_id: int) -> None:
    org_id = stored(session, Inquiry, letter.inquiry_id).organisation_id
    # Another organisation's director, or a clerk, never signs: not found, as an id from elsewhere is.
    if person_id not in {p.id for p in signatories(session, org_id)}:
        raise Invalid(f"no approver of the letter's organisation with id {person_id}", field="signatory_id")


def create(session: Session, *, data: LetterIn, user: User) -> LetterOut:
    """A new draft answering the inquiry, addressed to its asker, signed by the organisation's approver."""
    inquiry = session.get(Inquiry, data.inquiry_id)
    # An inquiry the user may not read is unknown; one they may read but not answer is refused.
    if inquiry is None or not policy.may(policy.access(session, user), Action.read, inquiry.organisation_id):
        raise Invalid(f"no inquiry with id {data.inquiry_id}", field="inquiry_id")
    policy.check(policy.access(session, user), Action.draft, inquiry.organisation_id, missing="")
    kind = kinds.of(data.kind)
    _check_kind_fields(kind, {"expected_answer_on": data.expected_answer_on})
    letter = _new_letter(session, inquiry, kind, user)
    if kind.key == LetterKind.interim:
        # The promise defaults to the deadline as it stands (extend it first); a past one the drafter must choose.
        letter.expected_answer_on = data.expected_answer_on or (inquiry.deadline if inquiry.deadline >= danish_today() else None)
        letter.intro = interim_text(session, inquiry)
    session.flush()
    audit.record(session, actor=user.username, action="letter.create", inquiry_id=inquiry.id, letter_id=letter.id,
                 detail={"kind": letter.kind, "title": letter.title})
    session.commit()
    return get(session, letter_id=letter.id, user=user)


def _new_letter(session: Session, inquiry: Inquiry, kind: kinds.Kind, user: User) -> Letter:
    """A new draft of `kind` (added, not committed), signed by the organisation's first approver unless the
    drafter picks another; an answer moves the inquiry on (app.inquiries.states)."""
    signatory = min(signatories(session, inquiry.organisation_id), key=lambda p: p.id, default=None)
    letter = Letter(
        inquiry_id=inquiry.id,
        kind=kind.key,
        title=answer_title(inquiry.title, _names_of(session, inquiry.organisation_id), prefix=kind.title_prefix),
        signatory_id=signatory.id if signatory else None,
        created_by_id=user.id,
    )
    session.add(letter)
    if kind.answers_inquiry:
        # Whoever starts the answer is its drafter until someone allocates it to another.
        states.make(session, inquiry, Move.draft, user=user, checked=False,
                    values={"drafter_id": user.id} if inquiry.drafter_id is None else None)
    return letter


# The library paragraph an interim reply starts from: its key ends so (the organisation's own before a shared one).
INTERIM_PARAGRAPH_SUFFIX = "forelobigt-svar"


def interim_text(session: Session, inquiry: Inquiry) -> str:
    """An interim reply's text: the organisation's library paragraph for it, else a standard text (why the answer
    takes longer; the date it will come by is the template's)."""
    org = stored(session, Organisation, inquiry.organisation_id)
    candidates = {p.id: p for p in session.exec(select(Paragraph).where(
        col(Paragraph.key).endswith(INTERIM_PARAGRAPH_SUFFIX)).order_by(col(Paragraph.id)))}
    usable = sharing.owners(session, set(candidates), sharing.answering(session, org.id))
    # Own (owner None) first, then shared ones, each in the order they were made.
    for pid in sorted(usable, key=lambda i: (usable[i] is not None, i)):
        version = session.exec(select(ParagraphVersion).where(
            col(ParagraphVersion.paragraph_id) == pid,
            col(ParagraphVersion.version) == candidates[pid].current_version)).first()
        if version is not None:
            return library_service.render(session, version.text, danish_today(), organisation_id=org.id).text
    return (f"Tak for din henvendelse af {formatting.long_date(inquiry.received_on)} til {org.name}. "
            "Vi har brug for lidt mere tid til at besvare dine spørgsmål grundigt, og du får derfor dette foreløbige svar.")


def _check_kind_fields(kind: kinds.Kind, values: dict) -> None:
    """422 for a field the kind does not have (a promised date on a brev)."""
    if values.get("expected_answer_on") is not None and "expected_answer_on" not in kind.required:
        raise Invalid(f"only an interim reply (foreløbigt) has expected_answer_on, not a {kind.key.value}",
                      field="expected_answer_on")


def _blocks_summary(blocks: Sequence, numbers: dict[int, int]) -> list[str]:
    """Blocks (rows or LetterBlocks) as the audit trail shows them."""
    return [f"{numbers.get(b.question_id)}: " + (f"afsnit {b.paragraph_id} v{b.paragraph_version}" if b.paragraph_id else b.text)
            + (f" (bidrag {b.contribution_id})" if b.contribution_id else "") for b in blocks]


def update(session: Session, *, letter_id: int, data: LetterUpdate, user: User) -> LetterOut:
    """Save a draft: only from the version it started from, and only while it is a draft."""
    letter = load(session, letter_id, user=user, action=Action.draft)
    if letter.status != LetterStatus.draft:
        raise Conflict(f"the letter is {letter.status}, not a draft; only drafts can be edited")
    if data.version != letter.version:
        raise Conflict(f"the letter was saved by someone else meanwhile (version {letter.version}, yours {data.version})")
    current, wanted = kinds.of(letter.kind), kinds.of(data.kind or letter.kind)
    if current.answers_inquiry != wanted.answers_inquiry:
        raise Invalid(f"a {current.key.value} cannot become a {wanted.key.value}: an interim reply is a letter of its own",
                      field="kind")
    _check_kind_fields(wanted, {"expected_answer_on": data.expected_answer_on if "expected_answer_on" in data.model_fields_set
                                else letter.expected_answer_on})
    changed = {}
    for name in _FIELDS:
        if name in data.model_fields_set and getattr(data, name) != getattr(letter, name):
            if name == "signatory_id" and data.signatory_id is not None:
                _check_signatory(session, letter, data.signatory_id)
            changed[name] = {"before": _plain(getattr(letter, name)), "after": _plain(getattr(data, name))}
            setattr(letter, name, getattr(data, name))
    if data.answers is not None:
        before, after = _replace_blocks(session, letter, data)
        if before != after:
            changed["answers"] = {"before": before, "after": after}
    letter.version += 1
    audit.record(session, actor=user.username, action="letter.update", inquiry_id=letter.inquiry_id, letter_id=letter.id,
                 detail={"version": letter.version, "changed": changed})
    session.commit()
    return get(session, letter_id=letter.id, user=user)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _replace_blocks(session: Session, letter: Letter, data: LetterUpdate) -> tuple[list[str], list[str]]:
    """Replace every answer block; refuse questions of other inquiries and unknown paragraph versions."""
    numbers = dict(session.execute(_QUESTIONS, {"inquiry_id": letter.inquiry_id}).all())
    before = _blocks_summary(session.execute(_BLOCKS, {"letter_id": letter.id}).all(), numbers)
    new_blocks = []
    wanted = {b.paragraph_id for a in data.answers or [] for b in a.blocks if b.paragraph_id is not None}
    # Only the organisation's own paragraphs and those shared with it: another's are unknown ids.
    usable = sharing.owners(session, wanted, sharing.answering(session, stored(session, Inquiry, letter.inquiry_id).organisation_id))
    # A block's provenance names a contribution of this letter's inquiry that has been answered; any other is unknown.
    cited = {b.contribution_id for a in data.answers or [] for b in a.blocks if b.contribution_id is not None}
    answered = set(session.exec(select(col(Contribution.id)).where(
        col(Contribution.id).in_(sorted(cited)), col(Contribution.inquiry_id) == letter.inquiry_id,
        col(Contribution.answer).is_not(None))).all()) if cited else set()
    for i, answer in enumerate(data.answers or []):
        if answer.question_id not in numbers:
            raise Invalid(f"question {answer.question_id} does not belong to this letter's inquiry", field=f"answers.{i}.question_id")
        for position, block in enumerate(answer.blocks, start=1):
            version = None
            if block.paragraph_id is not None:
                paragraph = session.get(Paragraph, block.paragraph_id) if block.paragraph_id in usable else None
                if paragraph is None:
                    raise Invalid(f"no paragraph with id {block.paragraph_id}", field=f"answers.{i}.blocks.{position - 1}.paragraph_id")
                version = block.paragraph_version or paragraph.current_version
                exists = session.exec(select(col(ParagraphVersion.id)).where(
                    col(ParagraphVersion.paragraph_id) == paragraph.id, col(ParagraphVersion.version) == version)).first()
                if exists is None:
                    raise Invalid(f"paragraph {paragraph.id} has no version {version}",
                                  field=f"answers.{i}.blocks.{position - 1}.paragraph_version")
            if block.contribution_id is not None and block.contribution_id not in answered:
                raise Invalid(f"no answered contribution {block.contribution_id} of this letter's inquiry",
                              field=f"answers.{i}.blocks.{position - 1}.contribution_id")
            new_blocks.append(LetterBlock(letter_id=letter.id, question_id=answer.question_id, position=position,
                                          paragraph_id=block.paragraph_id, paragraph_version=version, text=block.text,
                                          contribution_id=block.contribution_id))
    session.execute(delete(LetterBlock).where(col(LetterBlock.letter_id) == letter.id))
    session.add_all(new_blocks)
    session.flush()
    return before, _blocks_summary(sorted(new_blocks, key=lambda b: (b.question_id, b.position)), numbers)


# Built once, plain rows: every view and every save reads these.
_Q, _B, _D = table_of(Question).c, table_of(LetterBlock).c, table_of(LetterDocument).c
_QUESTIONS = select(_Q.id, _Q.number).where(_Q.inquiry_id == bindparam("inquiry_id")).order_by(_Q.number)
_BLOCKS = (core_select(_B.question_id, _B.paragraph_id, _B.paragraph_version, _B.text, _B.contribution_id)
           .where(_B.letter_id == bindparam("letter_id")).order_by(_B.question_id, _B.position))
_DOCUMENT_HASHES = select(_D.format, _D.sha256).where(_D.letter_id == bindparam("letter_id"))


def get(session: Session, *, letter_id: int, user: User | None) -> LetterOut:
    """One letter with its answers, question by question; 404 outside what the user may read."""
    letter = load(session, letter_id, user=user)
    blocks: dict[int, list[BlockOut]] = defaultdict(list)
    for question_id, paragraph_id, paragraph_version, text, contribution_id in tuples_of(
            session.execute(_BLOCKS, {"letter_id": letter.id})):
        blocks[question_id].append(BlockOut(paragraph_id=paragraph_id, paragraph_version=paragraph_version, text=text,
                                            contribution_id=contribution_id))
    answers = [AnswerOut(question_id=qid, number=number, blocks=blocks[qid])
               for qid, number in tuples_of(session.execute(_QUESTIONS, {"inquiry_id": letter.inquiry_id}))]
    # The hashes only: an approved letter's frozen files are not read to show it.
    documents = dict(session.execute(_DOCUMENT_HASHES, {"letter_id": letter.id}).all())
    return LetterOut(**letter.model_dump(exclude={"key"}), answers=answers, documents=documents)


def frozen_document(session: Session, *, letter_id: int, fmt: str) -> bytes | None:
    """The frozen bytes of an approved letter's document, or None while it is not approved."""
    doc = session.exec(select(LetterDocument).where(col(LetterDocument.letter_id) == letter_id, col(LetterDocument.format) == fmt)).first()
    return doc.content if doc else None


def for_inquiry(session: Session, *, inquiry_id: int) -> list[Letter]:
    """The letters answering an inquiry, newest first."""
    return list(session.exec(select(Letter).where(col(Letter.inquiry_id) == inquiry_id).order_by(col(Letter.id).desc())))
