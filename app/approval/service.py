"""The letter workflow: draft → submitted → approved, or back to draft with a comment.

Each transition is a conditional UPDATE on the status it starts from, so a double-clicked
button or two approvers at once make one transition, and the loser gets 409.
"""

import hashlib

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app import formatting, policy
from app.approval import checks, findings
from app.audit import service as audit
from app.db import stored
from app.errors import Conflict, Forbidden, Invalid
from app.inquiries import states
from app.inquiries.deadlines import today as danish_today
from app.inquiries.states import Move
from app.letters import kinds, personal_data
from app.letters import service as letter_service
from app.letters.schemas import ApproveIn, LetterOut, ReturnIn, SubmitIn
from app.library import search_index, statfill
from app.library import service as library_service
from app.mail import notify
from app.models import (
    Inquiry,
    Letter,
    LetterBlock,
    LetterDocument,
    LetterStatus,
    Organisation,
    ParagraphVersion,
    Question,
    QuestionParagraph,
    User,
    utcnow,
)
from app.policy import Action
from app.rendering import context, jobs, pool, seal


def _transition(session: Session, letter: Letter, *, from_status: str, values: dict) -> None:
    """Move the letter on only if it is still in `from_status` at the version loaded; else 409."""
    result = session.exec(
        update(Letter).where(col(Letter.id) == letter.id, col(Letter.status) == from_status, col(Letter.version) == letter.version)
        .values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(f"the letter is no longer {from_status}; reload it")


def _move_inquiry(session: Session, letter: Letter, move: Move, user: User) -> None:
    """The inquiry's move that goes with the letter's transition, if the letter's kind answers the inquiry
    (an interim reply does not). The letter's own check of the user's role stands for the move's."""
    if not kinds.of(letter.kind).answers_inquiry:
        return
    inquiry = stored(session, Inquiry, letter.inquiry_id)
    if move == Move.return_ and session.exec(select(col(Letter.id)).where(
            col(Letter.inquiry_id) == inquiry.id, col(Letter.id) != letter.id,
            col(Letter.status) == LetterStatus.submitted)).first() is not None:
        return  # another letter of the inquiry still awaits approval
    states.make(session, inquiry, move, user=user, checked=False)


def _answer_texts(session: Session, letter: Letter) -> tuple[list[str], set[int]]:
    """Every text of the answers, and the questions that have at least one block."""
    blocks = list(session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == letter.id)))
    texts = [b.text for b in blocks if b.text]
    for b in blocks:
        if b.paragraph_id is not None:
            texts.append(session.exec(select(col(ParagraphVersion.text)).where(
                col(ParagraphVersion.paragraph_id) == b.paragraph_id, col(ParagraphVersion.version) == b.paragraph_version)).one())
    return texts, {b.question_id for b in blocks}


def readable(session: Session, letter: Letter) -> list[dict]:
    """The title (number 0) and each answer as the reader will read it, figures filled in: to compare submissions."""
    numbers = dict(session.exec(select(col(Question.id), col(Question.number)).where(col(Question.inquiry_id) == letter.inquiry_id)).all())
    texts: dict[int, list[str]] = {n: [] for n in sorted(numbers.values())}
    for b, text in checks.texts_of_blocks(session, letter):
        texts[numbers[b.question_id]].append(text)
    keys = set().union(*(statfill.keys_in(t) for group in texts.values() for t in group))
    series = statfill.unpin(letter.pinned_series) if letter.pinned_series is not None else \
        library_service.load_series(session, keys, organisation_id=letter_service.organisation_of(session, letter))
    as_of = letter.letter_date or danish_today()
    return [{"number": 0, "text": letter.title}] + [
        {"number": n, "text": "\n\n".join(statfill.fill(t, series, as_of).text for t in group)} for n, group in texts.items()]


def flags_for(session: Session, letter: Letter) -> list[personal_data.Flag]:
    """What the personal-data check finds in the text as the recipient will read it (figures filled in)."""
    texts, _ = _answer_texts(session, letter)
    as_of = letter.letter_date or danish_today()
    org_id = letter_service.organisation_of(session, letter)
    readable = [library_service.render(session, t, as_of, organisation_id=org_id).text for t in texts]
    # The title too: it is on every page's header, in the PDF's title and in the export's metadata.
    return personal_data.scan("\n".join([letter.title or "", letter.salutation or "", letter.intro or "", *readable]))


def submit(session: Session, *, letter_id: int, data: SubmitIn, user: User) -> LetterOut:
    """Hand a draft to the approver: every question answered and finished, flagged personal data confirmed."""
    letter = letter_service.load(session, letter_id, user=user, action=Action.draft)
    if letter.status != LetterStatus.draft:
        raise Conflict(f"the letter is {letter.status}; only a draft can be submitted")
    if data.version is not None and data.version != letter.version:
        raise Conflict(f"the letter was saved meanwhile (version {letter.version}, yours {data.version})")
    checks.plausible_date(letter)
    letter_service.check_signatory(session, letter)
    kind = kinds.of(letter.kind)
    checks.required(kind, letter)
    texts, _answered = _answer_texts(session, letter)
    if kind.answers_questions and (unfinished := checks.gaps(session, letter, letter.letter_date or danish_today())):
        raise checks.Unfinished(unfinished)
    ctx = context.build(session, letter_id=letter.id)  # what cannot be rendered (too long, no recipient) is refused now
    flags = flags_for(session, letter)
    if flags and not data.confirm_personal_data:
        raise Invalid("the answers contain what may be personal data (" + "; ".join(f.label() for f in flags)
                      + "): check it and confirm", field="confirm_personal_data")
    # The figures are pinned and the version moves on: an approver's review names this exact state,
    # and a review of an earlier submission no longer approves it.
    keys = context.used_keys([texts])
    _transition(session, letter, from_status=LetterStatus.draft, values={
        "status": LetterStatus.submitted, "submitted_by_id": user.id, "version": letter.version + 1,
        "personal_data_flags": personal_data.as_json(flags), "return_comment": None,
        "check_findings": findings.at_submit(session, letter, ctx),
        "pinned_series": statfill.pin(library_service.load_series(
            session, keys, organisation_id=letter_service.organisation_of(session, letter))),
    })
    _move_inquiry(session, letter, Move.submit, user)
    audit.record(session, actor=user.username, action="letter.submit", inquiry_id=letter.inquiry_id, letter_id=letter.id,
                 detail={"version": letter.version + 1, "personal_data": [f.label() for f in flags]})
    session.commit()
    return letter_service.get(session, letter_id=letter_id, user=user)


def return_(session: Session, *, letter_id: int, data: ReturnIn, user: User) -> LetterOut:
    """Send a submitted letter back to its drafter with a comment."""
    letter = letter_service.load(session, letter_id, user=user, action=Action.approve)
    _transition(session, letter, from_status=LetterStatus.submitted,
                values={"status": LetterStatus.draft, "return_comment": data.comment, "pinned_series": None,
                        "returned_text": readable(session, letter)})
    _move_inquiry(session, letter, Move.return_, user)
    audit.record(session, actor=user.username, action="letter.return", inquiry_id=letter.inquiry_id, letter_id=letter.id,
                 detail={"comment": data.comment})
    notify.letter_decided(session, letter, approved=False)
    session.commit()
    return letter_service.get(session, letter_id=letter_id, user=user)


def approve(session: Session, *, letter_id: int, data: ApproveIn, user: User, timeout: float) -> LetterOut:
    """Approve and freeze what the approver reviewed: paragraph versions, pinned figures, the rendered bytes."""
    letter = letter_service.load(session, letter_id, user=user, action=Action.approve)
    if letter.status != LetterStatus.submitted:
        raise Conflict(f"the letter is {letter.status}; only a submitted letter can be approved")
    if data.version != letter.version:
        raise Conflict(f"the letter has changed since version {data.version} was reviewed (now version "
                       f"{letter.version}); review it again")
    if user.id in (letter.created_by_id, letter.submitted_by_id):
        raise Forbidden("nobody approves a letter they drafted or submitted")
    checks.plausible_date(letter)
    today = danish_today()
    seen_version = letter.version
    org_key, letterhead = session.exec(
        select(col(Organisation.key), col(Organisation.letterhead)).join(Inquiry, col(Inquiry.organisation_id) == col(Organisation.id))
        .where(col(Inquiry.id) == letter.inquiry_id)).one()
    when = formatting.document_date(today, letter.kind, (letterhead or {}).get("date_style"))
    approval = f"Godkendt af {user.name}" + (f", {user.title}" if user.title else "") + f", {when}"
    # An undated letter is dated today by the context, and that date is frozen with it below.
    ctx = context.build(session, letter_id=letter.id, approval=approval)
    session.rollback()  # render outside any transaction
    # The seal goes on before the bytes are frozen, so the frozen PDF is the sealed one.
    rendered_pdf, rendered_docx = pool.run(jobs.pdf_and_docx, ctx, timeout=timeout)
    documents = {"pdf": seal.seal(rendered_pdf, org_key), "docx": rendered_docx}

    current = letter_service.load(session, letter_id, user=user, action=Action.approve)
    if current.version != seen_version:
        raise Conflict("the letter changed while it was being approved; reload it")
    _transition(session, current, from_status=LetterStatus.submitted, values={
        "status": LetterStatus.approved, "approved_by_id": user.id, "approved_at": utcnow(), "letter_date": ctx.date,
        "frozen_statistics": [{"key": f.key, "period": f.period.isoformat(), "value": f.value, "source": f.source}
                              for f in ctx.figures],
    })
    hashes = {}
    for fmt, content in documents.items():
        hashes[fmt] = hashlib.sha256(content).hexdigest()
        session.add(LetterDocument(letter_id=letter_id, format=fmt, content=content, sha256=hashes[fmt]))
    _move_inquiry(session, current, Move.approve, user)
    _remember_answers(session, letter_id)
    audit.record(session, actor=user.username, action="letter.approve", inquiry_id=current.inquiry_id, letter_id=letter_id,
                 detail={"sha256": hashes, "approval": approval, "figures": len(ctx.figures)})
    notify.letter_decided(session, current, approved=True)
    session.commit()
    return letter_service.get(session, letter_id=letter_id, user=user)


def _remember_answers(session: Session, letter_id: int) -> None:
    """Record which paragraphs answered each question, so the next similar question finds them."""
    used: dict[int, list[tuple[int, int]]] = {}
    for b in session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == letter_id, col(LetterBlock.paragraph_id).is_not(None))
                          .order_by(col(LetterBlock.question_id), col(LetterBlock.position))):
        if b.paragraph_id is not None and b.paragraph_version is not None:
            used.setdefault(b.question_id, []).append((b.paragraph_id, b.paragraph_version))
    if not used:
        return
    session.exec(delete(QuestionParagraph).where(col(QuestionParagraph.question_id).in_(list(used))))
    for question_id, paragraphs in used.items():
        for position, (pid, version) in enumerate(paragraphs, start=1):
            session.add(QuestionParagraph(question_id=question_id, paragraph_id=pid, paragraph_version=version, position=position))
    search_index.update_documents(session, search_index.QUESTION, used)


def correct(session: Session, *, letter_id: int, user: User) -> LetterOut:
    """Start a correction of an approved letter: a new draft with the same content, to be approved again."""
    old = letter_service.load(session, letter_id, user=user, action=Action.draft)
    if old.status != LetterStatus.approved:
        raise Conflict("only an approved letter is corrected this way; a draft is simply edited")
    if (successor := correction_of(session, letter_id)) is not None:
        raise Conflict(f"letter {letter_id} is corrected by letter {successor} already; correct that one")
    fields = old.model_dump(include={"inquiry_id", "kind", "title", "recipient_name", "recipient_title", "recipient_email",
                                     "copy_to", "salutation", "intro", "signatory_id", "initials"})
    new = Letter(**fields, supersedes_id=old.id, created_by_id=user.id)
    session.add(new)
    session.flush()
    for b in session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == old.id)):
        session.add(LetterBlock(letter_id=new.id, question_id=b.question_id, position=b.position,
                                paragraph_id=b.paragraph_id, paragraph_version=b.paragraph_version, text=b.text))
    _move_inquiry(session, old, Move.reopen, user)
    audit.record(session, actor=user.username, action="letter.correct", inquiry_id=old.inquiry_id, letter_id=new.id,
                 detail={"supersedes": old.id})
    session.commit()
    return letter_service.get(session, letter_id=new.id, user=user)


def correction_of(session: Session, letter_id: int) -> int | None:
    """The letter that corrects this one, if any."""
    return session.exec(select(col(Letter.id)).where(col(Letter.supersedes_id) == letter_id)).first()


def queue(session: Session, *, user: User) -> tuple[list[Letter], list[Letter]]:
    """Submitted letters of the organisations the user approves for: (those for their signature, the others)."""
    query = select(Letter).where(col(Letter.status) == LetterStatus.submitted).order_by(col(Letter.id))
    where = policy.where(policy.access(session, user), Action.approve)
    if where is not None:
        query = query.where(col(Letter.inquiry_id).in_(select(col(Inquiry.id)).where(col(Inquiry.organisation_id).in_(where))))
    waiting = list(session.exec(query))
    mine = [letter for letter in waiting if user.person_id is not None and letter.signatory_id == user.person_id]
    return mine, [letter for letter in waiting if letter not in mine]
