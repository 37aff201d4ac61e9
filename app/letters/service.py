"""Letters: create a draft for an inquiry, read it. Each public function is one workflow step."""

from collections import defaultdict

from sqlmodel import Session, select

from app.errors import Invalid, NotFound
from app.letters.schemas import AnswerOut, BlockOut, LetterIn, LetterOut
from app.models import Inquiry, InquiryStatus, Letter, LetterBlock, Person, Question, Role


def create(session: Session, *, data: LetterIn) -> LetterOut:
    """A new draft answering the inquiry, addressed to its asker, signed by the organisation's approver."""
    inquiry = session.get(Inquiry, data.inquiry_id)
    if inquiry is None:
        raise Invalid(f"no inquiry with id {data.inquiry_id}", field="inquiry_id")
    signatory = session.exec(
        select(Person).where(Person.organisation_id == inquiry.organisation_id, Person.role == Role.approver).order_by(Person.id)
    ).first()
    letter = Letter(
        inquiry_id=inquiry.id,
        kind=data.kind,
        title=f"Svar på spørgsmål om {inquiry.title[0].lower()}{inquiry.title[1:]}",
        signatory_id=signatory.id if signatory else None,
    )
    session.add(letter)
    if inquiry.status == InquiryStatus.new:
        inquiry.status = InquiryStatus.drafting
    session.commit()
    return get(session, letter_id=letter.id)


def get(session: Session, *, letter_id: int) -> LetterOut:
    """One letter with its answers, question by question."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound(f"no letter with id {letter_id}")
    questions = session.exec(select(Question).where(Question.inquiry_id == letter.inquiry_id).order_by(Question.number))
    blocks: dict[int, list[BlockOut]] = defaultdict(list)
    for b in session.exec(select(LetterBlock).where(LetterBlock.letter_id == letter.id).order_by(LetterBlock.position)):
        blocks[b.question_id].append(BlockOut(paragraph_id=b.paragraph_id, paragraph_version=b.paragraph_version, text=b.text))
    answers = [AnswerOut(question_id=q.id, number=q.number, blocks=blocks[q.id]) for q in questions]
    return LetterOut(**letter.model_dump(exclude={"key"}), answers=answers)
