"""Intake: create, read and list inquiries. Each public function is one workflow step."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.errors import Invalid, NotFound
from app.inquiries import deadlines, queues, states
from app.inquiries.schemas import (
    AskerIn,
    AskerOut,
    CaseRefOut,
    DeadlineChangeOut,
    InquiryIn,
    InquiryOut,
    OrganisationRef,
    ParagraphLink,
    PersonRef,
    QuestionOut,
    UnitRef,
)
from app.models import (
    Asker,
    CaseRef,
    DeadlineChange,
    Inquiry,
    InquiryState,
    InquiryStatus,
    Letter,
    LetterBlock,
    LetterKind,
    LetterStatus,
    Organisation,
    Paragraph,
    ParagraphVersion,
    Question,
    QuestionParagraph,
    Unit,
    User,
)
from app.organisations import service as organisation_service
from app.policy import Action
from app.sql import in_list, table_of, tuples_of


def find_or_add_asker(session: Session, asker: AskerIn, *, municipality: str) -> Asker:
    """The stored asker of this municipality with this name and e-mail, or a new one (not committed)."""
    query = select(Asker).where(col(Asker.name) == asker.name, col(Asker.municipality) == municipality)
    query = query.where(func.lower(col(Asker.email)) == asker.email.lower()) if asker.email else query
    found = session.exec(query).first()
    if found:
        if asker.role and not found.role:
            found.role = asker.role
        return found
    found = Asker(name=asker.name, role=asker.role, email=asker.email, municipality=municipality)
    session.add(found)
    session.flush()
    return found


def create(session: Session, *, data: InquiryIn, user: User | None) -> InquiryOut:
    """Store a new inquiry with its questions; the deadline counts the organisation's working days."""
    inquiry = stage(session, data=data, user=user)
    session.commit()
    return views(session, [inquiry.id])[0]


def stage(session: Session, *, data: InquiryIn, user: User | None) -> Inquiry:
    """Add the inquiry, its case refs and questions to the session (no commit)."""
    org = organisation_service.resolve(session, key=data.organisation, user=user)
    if data.drafter_id is not None:
        drafter = session.get(User, data.drafter_id)
        # Only someone who drafts in the inquiry's organisation; anyone else is not found, as an unknown id is.
        if drafter is None or not policy.may(policy.access(session, drafter), Action.draft, org.id):
            raise Invalid(f"no drafter with id {data.drafter_id}", field="drafter_id")
    deadline = data.deadline or deadlines.add_working_days(data.received_on, org.deadline_days)
    if deadline < data.received_on:
        raise Invalid("deadline is before received_on", field="deadline")
    asker = find_or_add_asker(session, data.asker, municipality=org.municipality)
    inquiry = Inquiry(
        organisation_id=org.id,
        title=data.title,
        asker_id=asker.id,
        channel=data.channel,
        received_on=data.received_on,
        deadline=deadline,
        drafter_id=data.drafter_id,
        kle_number=data.kle_number,
        kle_action=data.kle_action,
    )
    session.add(inquiry)
    session.flush()
    for position, ref in enumerate(data.case_refs, start=1):
        session.add(CaseRef(inquiry_id=inquiry.id, position=position, **ref.model_dump()))
    for number, question in enumerate(data.questions, start=1):
        session.add(Question(inquiry_id=inquiry.id, number=number, text=question.text, remark=question.remark))
    audit.record(session, actor=user.username if user else "system", action="inquiry.create", inquiry_id=inquiry.id,
                 detail={"title": inquiry.title, "questions": [q.text for q in data.questions]})
    session.flush()
    return inquiry


def add_questions(session: Session, inquiry: Inquiry, texts: Sequence[str], *, actor: str) -> None:
    """More questions in an inquiry (a follow-up mail), numbered after its last; no commit."""
    last = session.exec(select(func.max(Question.number)).where(col(Question.inquiry_id) == inquiry.id)).one() or 0
    for number, text in enumerate(texts, start=last + 1):
        session.add(Question(inquiry_id=inquiry.id, number=number, text=text))
    audit.record(session, actor=actor, action="inquiry.questions_added", inquiry_id=inquiry.id,
                 detail={"from": last + 1, "questions": list(texts)})
    session.flush()


def questions_of(session: Session, inquiry_id: int) -> list[Question]:
    """An inquiry's questions in their order."""
    return list(session.exec(select(Question).where(col(Question.inquiry_id) == inquiry_id).order_by(col(Question.number))))


def load(session: Session, inquiry_id: int, *, user: User | None, action: Action = Action.read) -> Inquiry:
    """The inquiry if the user may do `action` to it; 404 if it is unknown or outside what they may read, 403 else."""
    inquiry = session.get(Inquiry, inquiry_id)
    missing = f"no inquiry with id {inquiry_id}"
    if inquiry is None:
        raise NotFound(missing)
    policy.check(policy.access(session, user), action, inquiry.organisation_id, missing=missing)
    return inquiry


def get(session: Session, *, inquiry_id: int, user: User | None) -> InquiryOut:
    """One inquiry with its questions; 404 if unknown or outside what the user may read."""
    load(session, inquiry_id, user=user)
    return views(session, [inquiry_id])[0]


def list_(
    session: Session,
    *,
    status: InquiryStatus | None = None,
    state: InquiryState | None = None,
    queue: queues.Queue | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    drafter_id: int | None = None,
    organisation: str | None = None,
    asker: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
    sort: str = "-received",
    user: User | None,
) -> tuple[list[InquiryOut], int]:
    """A page of the inquiries the user may read, in the order `sort` names (see SORTS; newest first by default),
    and how many match in all."""
    today = today or deadlines.today()
    where: list[ColumnElement[bool]] = []
    who = policy.access(session, user)
    readable = policy.readable(who)
    if readable is not None:
        where.append(_I.organisation_id.in_(sorted(readable)))
    if status is not None:
        where.append(_I.status == status)
    if state is not None:
        where.append(_I.state == state)
    if queue is not None:
        where.append(queues.condition(queue, who, today))
    if overdue is not None:
        late = (_I.deadline < today) & _I.state.in_(sorted(states.OPEN))
        where.append(late if overdue else ~late)
    if drafter_id is not None:
        where.append(_I.drafter_id == drafter_id)
    if organisation:
        where.append(_I.organisation_id.in_(select(col(Organisation.id)).where(col(Organisation.key) == organisation)))
    if asker:
        where.append(_I.asker_id.in_(select(col(Asker.id)).where(col(Asker.name).icontains(asker, autoescape=True))))
    if received_from:
        where.append(_I.received_on >= received_from)
    if received_to:
        where.append(_I.received_on <= received_to)
    if q:
        in_questions = select(col(Question.inquiry_id)).where(col(Question.text).icontains(q, autoescape=True))
        # The answers too: free text in its letters, and the library paragraphs (at the version used) they hold.
        in_text = (select(col(Letter.inquiry_id)).join(LetterBlock, col(LetterBlock.letter_id) == col(Letter.id))
                   .where(col(LetterBlock.text).icontains(q, autoescape=True)))
        in_paragraphs = (select(col(Letter.inquiry_id)).join(LetterBlock, col(LetterBlock.letter_id) == col(Letter.id))
                         .join(ParagraphVersion, (col(ParagraphVersion.paragraph_id) == col(LetterBlock.paragraph_id))
                               & (col(ParagraphVersion.version) == col(LetterBlock.paragraph_version)))
                         .where(col(ParagraphVersion.text).icontains(q, autoescape=True)))
        where.append(or_(_I.title.icontains(q, autoescape=True), _I.id.in_(in_questions), _I.id.in_(in_text),
                         _I.id.in_(in_paragraphs)))
    total: int = session.execute(core_select(func.count()).select_from(_INQUIRY).where(*where)).scalar_one()
    order = SORTS.get(sort.lstrip("-"), SORTS["received"])
    if sort.startswith("-"):
        order = [column.desc() for column in order]
    page = session.execute(_VIEW.where(*where).order_by(*order, _I.id.desc()).limit(limit).offset(offset))
    return _to_out(session, list(tuples_of(page)), today), total


def views(session: Session, ids: Sequence[int], *, today: date | None = None) -> list[InquiryOut]:
    """API views of the inquiries with these ids, in that order (unknown ids left out)."""
    rows = {row[0]: row for row in tuples_of(session.execute(_VIEW_BY_IDS, {"ids": list(ids)}))}
    return _to_out(session, [rows[i] for i in ids if i in rows], today or deadlines.today())


# Plain columns rather than ORM objects: a page of 50 inquiries meant building some 200 objects
# only to copy them into the API models, the bulk of the inbox's CPU time. Built once, reused.
_INQUIRY, _ORGANISATION, _ASKER, _PARAGRAPH, _QUESTION = (
    table_of(model) for model in (Inquiry, Organisation, Asker, Paragraph, Question))
_I, _O, _A, _P, _Q = _INQUIRY.c, _ORGANISATION.c, _ASKER.c, _PARAGRAPH.c, _QUESTION.c
_R, _L = table_of(CaseRef).c, table_of(QuestionParagraph).c
_U, _USER = table_of(Unit).c, table_of(User).c
_VIEW = (
    core_select(_I.id, _I.key, _I.title, _I.channel, _I.received_on, _I.deadline, _I.status, _I.drafter_id, _I.kle_number,
           _I.kle_action, _I.created_at, _O.id, _O.key, _O.name, _O.municipality, _A.id, _A.name, _A.role, _A.email,
           _I.state, _U.key, _U.name, _USER.username, _USER.name)
    .select_from(_INQUIRY).join(_ORGANISATION, _O.id == _I.organisation_id).join(_ASKER, _A.id == _I.asker_id)
    .outerjoin(table_of(Unit), _U.id == _I.unit_id).outerjoin(table_of(User), _USER.id == _I.drafter_id)
)
_VIEW_BY_IDS = _VIEW.where(in_list(_I.id, "ids"))
# The orders of a list, ascending ("-" before the name: descending). "deadline" puts open inquiries
# first, the most overdue at the top, then the answered and closed ones.
SORTS: dict[str, list[ColumnElement[Any]]] = {
    "deadline": [case((_I.state.in_(sorted(states.OPEN)), 0), else_=1), _I.deadline],
    "received": [_I.received_on],
    "title": [func.lower(_I.title)],
    "asker": [func.lower(_A.name)],
    "status": [_I.status, _I.deadline],
}
_REFS = core_select(_R.inquiry_id, _R.system, _R.kind, _R.number).where(in_list(_R.inquiry_id, "ids")).order_by(_R.position)
_QUESTIONS = (core_select(_Q.inquiry_id, _Q.id, _Q.number, _Q.text, _Q.remark)
              .where(in_list(_Q.inquiry_id, "ids")).order_by(_Q.inquiry_id, _Q.number))
_LETTER = table_of(Letter).c
_LETTERS = (core_select(_LETTER.inquiry_id, _LETTER.status, _LETTER.return_comment)
            .where(in_list(_LETTER.inquiry_id, "ids"), _LETTER.status.in_((LetterStatus.draft, LetterStatus.submitted))).order_by(_LETTER.id))
_X = table_of(DeadlineChange).c
_EXTENSIONS = (core_select(_X.inquiry_id, _X.from_date, _X.to_date, _X.reason, _X.actor, _X.at)
               .where(in_list(_X.inquiry_id, "ids")).order_by(_X.inquiry_id, _X.id))
# Interim replies that promise an answer by the deadline as it stands, or later: no prompt for another.
_PROMISES = (core_select(_LETTER.inquiry_id).join(_INQUIRY, _I.id == _LETTER.inquiry_id)
             .where(in_list(_LETTER.inquiry_id, "ids"), _LETTER.kind == LetterKind.interim,
                    _LETTER.expected_answer_on >= _I.deadline))
_LINKS = (core_select(_L.question_id, _L.paragraph_id, _P.key, _L.paragraph_version)
          .join(_PARAGRAPH, _P.id == _L.paragraph_id).join(_QUESTION, _Q.id == _L.question_id)
          .where(in_list(_Q.inquiry_id, "ids")).order_by(_L.question_id, _L.position))


_BEFORE_APPROVAL = states.OPEN - {InquiryState.awaiting_approval}


def _to_out(session: Session, rows: Sequence, today: date) -> list[InquiryOut]:
    """API views of inquiry rows (_VIEW's columns), loading their refs, questions and links in one query each."""
    if not rows:
        return []
    ids = {"ids": [row[0] for row in rows]}
    refs: dict[int, list[CaseRefOut]] = defaultdict(list)
    for inquiry_id, system, kind, number in tuples_of(session.execute(_REFS, ids)):
        refs[inquiry_id].append(CaseRefOut(system=system, kind=kind, number=number))
    links: dict[int, list[ParagraphLink]] = defaultdict(list)
    for question_id, paragraph_id, key, version in tuples_of(session.execute(_LINKS, ids)):
        links[question_id].append(ParagraphLink(paragraph_id=paragraph_id, key=key, version=version))
    questions: dict[int, list[QuestionOut]] = defaultdict(list)
    for inquiry_id, qid, number, text, remark in tuples_of(session.execute(_QUESTIONS, ids)):
        questions[inquiry_id].append(QuestionOut(id=qid, number=number, text=text, remark=remark, answered_by=links[qid]))
    history: dict[int, list[DeadlineChangeOut]] = defaultdict(list)
    for inquiry_id, from_date, to_date, reason, actor, at in tuples_of(session.execute(_EXTENSIONS, ids)):
        history[inquiry_id].append(DeadlineChangeOut(from_=from_date, to=to_date, reason=reason, by=actor, at=at))
    promised = {row[0] for row in tuples_of(session.execute(_PROMISES, ids))}
    returned: dict[int, str | None] = {}
    awaiting: set[int] = set()
    for inquiry_id, status, comment in tuples_of(session.execute(_LETTERS, ids)):
        if status == LetterStatus.submitted:
            awaiting.add(inquiry_id)
        returned[inquiry_id] = comment if status == LetterStatus.draft else None  # the newest letter's state counts
    out = []
    for (iid, key, title, channel, received_on, deadline, status, drafter_id, kle_number, kle_action, created_at,
         org_id, org_key, org_name, municipality, asker_id, asker_name, asker_role, asker_email, state, unit_key, unit_name,
         username, user_name) in rows:
        out.append(
            InquiryOut(
                id=iid,
                key=key,
                title=title,
                organisation=OrganisationRef(id=org_id, key=org_key, name=org_name, municipality=municipality),
                asker=AskerOut(id=asker_id, name=asker_name, role=asker_role, email=asker_email),
                channel=channel,
                received_on=received_on,
                deadline=deadline,
                working_days_left=deadlines.working_days_between(today, deadline),
                overdue=state in states.OPEN and deadline < today,
                status=status,
                state=state,
                unit=UnitRef(key=unit_key, name=unit_name) if unit_key else None,
                assignee=PersonRef(username=username, name=user_name) if username else None,
                deadline_history=history[iid],
                draft_due=deadlines.working_days_before(deadline, deadlines.DRAFT_READY_WORKING_DAYS),
                # Less than the approval's time left, no answer with the approver yet, and nothing promised.
                needs_interim=(state in _BEFORE_APPROVAL and iid not in promised
                               and deadlines.working_days_between(today, deadline) < deadlines.DRAFT_READY_WORKING_DAYS),
                drafter_id=drafter_id,
                kle_number=kle_number,
                kle_action=kle_action,
                case_refs=refs[iid],
                questions=questions[iid],
                created_at=created_at,
                returned_comment=returned.get(iid),
                awaiting_approval=iid in awaiting,
            )
        )
    return out
