"""Intake: create, read and list inquiries. Each public function is one workflow step."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from app.audit import service as audit
from app.errors import Invalid, NotFound
from app.inquiries import deadlines
from app.inquiries.schemas import (
    AskerIn,
    AskerOut,
    CaseRefOut,
    InquiryIn,
    InquiryOut,
    OrganisationRef,
    ParagraphLink,
    QuestionOut,
)
from app.models import (
    OPEN_STATUSES,
    Asker,
    CaseRef,
    Inquiry,
    InquiryStatus,
    Organisation,
    Paragraph,
    Question,
    QuestionParagraph,
    Role,
    User,
)
from app.organisations import service as organisation_service


def find_or_add_asker(session: Session, asker: AskerIn) -> Asker:
    """The stored asker with this name and e-mail, or a new one (not committed)."""
    query = select(Asker).where(Asker.name == asker.name)
    query = query.where(func.lower(Asker.email) == asker.email.lower()) if asker.email else query
    found = session.exec(query).first()
    if found:
        if asker.role and not found.role:
            found.role = asker.role
        return found
    found = Asker(name=asker.name, role=asker.role, email=asker.email)
    session.add(found)
    session.flush()
    return found


def create(session: Session, *, data: InquiryIn, user: User | None) -> InquiryOut:
    """Store a new inquiry with its questions; the deadline counts the organisation's working days."""
    inquiry = stage(session, data=data, user=user)
    session.commit()
    return to_out(session, [inquiry])[0]


def stage(session: Session, *, data: InquiryIn, user: User | None) -> Inquiry:
    """Add the inquiry, its case refs and questions to the session (no commit)."""
    org = organisation_service.resolve(session, key=data.organisation, user=user)
    if data.drafter_id is not None:
        drafter = session.get(User, data.drafter_id)
        if drafter is None or drafter.role not in (Role.drafter, Role.admin):
            raise Invalid(f"no drafter with id {data.drafter_id}", field="drafter_id")
    deadline = data.deadline or deadlines.add_working_days(data.received_on, org.deadline_days)
    if deadline < data.received_on:
        raise Invalid("deadline is before received_on", field="deadline")
    asker = find_or_add_asker(session, data.asker)
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


def questions_of(session: Session, inquiry_id: int) -> list[Question]:
    """An inquiry's questions in their order."""
    return list(session.exec(select(Question).where(Question.inquiry_id == inquiry_id).order_by(Question.number)))


def get(session: Session, *, inquiry_id: int) -> InquiryOut:
    """One inquiry with its questions; 404 if unknown."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound(f"no inquiry with id {inquiry_id}")
    return to_out(session, [inquiry])[0]


def list_(
    session: Session,
    *,
    status: InquiryStatus | None = None,
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
) -> tuple[list[InquiryOut], int]:
    """A page of inquiries, newest first, and how many match in all."""
    today = today or deadlines.today()
    query = select(Inquiry)
    if status is not None:
        query = query.where(Inquiry.status == status)
    if overdue is not None:
        late = (Inquiry.deadline < today) & Inquiry.status.in_(OPEN_STATUSES)
        query = query.where(late if overdue else ~late)
    if drafter_id is not None:
        query = query.where(Inquiry.drafter_id == drafter_id)
    if organisation:
        query = query.where(Inquiry.organisation_id.in_(select(Organisation.id).where(Organisation.key == organisation)))
    if asker:
        query = query.where(Inquiry.asker_id.in_(select(Asker.id).where(Asker.name.icontains(asker, autoescape=True))))
    if received_from:
        query = query.where(Inquiry.received_on >= received_from)
    if received_to:
        query = query.where(Inquiry.received_on <= received_to)
    if q:
        in_questions = select(Question.inquiry_id).where(Question.text.icontains(q, autoescape=True))
        query = query.where(or_(Inquiry.title.icontains(q, autoescape=True), Inquiry.id.in_(in_questions)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(Inquiry.received_on.desc(), Inquiry.id.desc()).limit(limit).offset(offset))
    return to_out(session, list(page), today=today), total


def to_out(session: Session, inquiries: Sequence[Inquiry], *, today: date | None = None) -> list[InquiryOut]:
    """API views of `inquiries`, loading their related rows in one query per table."""
    if not inquiries:
        return []
    today = today or deadlines.today()
    ids = [i.id for i in inquiries]
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_({i.organisation_id for i in inquiries})))}
    askers = {a.id: a for a in session.exec(select(Asker).where(Asker.id.in_({i.asker_id for i in inquiries})))}
    refs: dict[int, list[CaseRef]] = defaultdict(list)
    for ref in session.exec(select(CaseRef).where(CaseRef.inquiry_id.in_(ids)).order_by(CaseRef.position)):
        refs[ref.inquiry_id].append(ref)
    questions: dict[int, list[Question]] = defaultdict(list)
    question_rows = list(session.exec(select(Question).where(Question.inquiry_id.in_(ids)).order_by(Question.number)))
    for question in question_rows:
        questions[question.inquiry_id].append(question)
    links: dict[int, list[ParagraphLink]] = defaultdict(list)
    link_rows = session.exec(
        select(QuestionParagraph, Paragraph.key)
        .join(Paragraph, Paragraph.id == QuestionParagraph.paragraph_id)
        .where(QuestionParagraph.question_id.in_([q.id for q in question_rows]))
        .order_by(QuestionParagraph.position)
    )
    for link, key in link_rows:
        links[link.question_id].append(ParagraphLink(paragraph_id=link.paragraph_id, key=key, version=link.paragraph_version))
    out = []
    for inquiry in inquiries:
        org, asker = orgs[inquiry.organisation_id], askers[inquiry.asker_id]
        is_open = inquiry.status in OPEN_STATUSES
        out.append(
            InquiryOut(
                id=inquiry.id,
                key=inquiry.key,
                title=inquiry.title,
                organisation=OrganisationRef(id=org.id, key=org.key, name=org.name, municipality=org.municipality),
                asker=AskerOut(id=asker.id, name=asker.name, role=asker.role, email=asker.email),
                channel=inquiry.channel,
                received_on=inquiry.received_on,
                deadline=inquiry.deadline,
                working_days_left=deadlines.working_days_between(today, inquiry.deadline),
                overdue=is_open and inquiry.deadline < today,
                status=inquiry.status,
                drafter_id=inquiry.drafter_id,
                kle_number=inquiry.kle_number,
                kle_action=inquiry.kle_action,
                case_refs=[CaseRefOut(system=r.system, kind=r.kind, number=r.number) for r in refs[inquiry.id]],
                questions=[
                    QuestionOut(id=q.id, number=q.number, text=q.text, remark=q.remark, answered_by=links[q.id])
                    for q in questions[inquiry.id]
                ],
                created_at=inquiry.created_at,
            )
        )
    return out
