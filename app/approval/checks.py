"""What stops a draft from going to the approver: questions without an answer, or answers not yet finished."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.db import stored
from app.errors import Invalid
from app.fields import EARLIEST, LATEST
from app.inquiries.deadlines import today
from app.letters import kinds
from app.library import service as library_service
from app.library import statfill
from app.models import Inquiry, Letter, LetterBlock, ParagraphVersion, Question

# The text "Tilføj tekst" puts in a new block, for the drafter to replace.
PLACEHOLDER_TEXT = "Skriv svaret her."


@dataclass(frozen=True)
class Gap:
    """One unfinished spot: a question, the block within its answer (None: the whole answer), and what is wrong."""

    question_id: int
    number: int
    index: int | None
    problem: str  # "no_answer", "placeholder", "empty" or "missing_figures"
    keys: tuple[str, ...] = ()

    def english(self) -> str:
        """The API's wording."""
        return {
            "no_answer": f"question {self.number} has no answer yet",
            "placeholder": f"question {self.number}: the placeholder '{PLACEHOLDER_TEXT}' is still in the answer",
            "empty": f"question {self.number}: a text block is empty",
            "missing_figures": f"question {self.number}: no figure for {', '.join(self.keys)}",
        }[self.problem]

    def danish(self) -> str:
        """The editor's wording, shown beside the block."""
        return {
            "no_answer": f"Spørgsmål {self.number} har intet svar endnu.",
            "placeholder": f"Spørgsmål {self.number}: Erstat “{PLACEHOLDER_TEXT}” med svaret.",
            "empty": f"Spørgsmål {self.number}: Tekstfeltet er tomt. Skriv svaret, eller fjern feltet.",
            "missing_figures": f"Spørgsmål {self.number}: Der mangler tal for {', '.join(self.keys)}. "
                               "Tilføj tallet i biblioteket, eller ret teksten.",
        }[self.problem]


class Unfinished(Invalid):
    """A submit refused for the gaps it names."""

    def __init__(self, gaps: list[Gap]):
        super().__init__("; ".join(g.english() for g in gaps), field="answers")
        self.gaps = gaps


def texts_of_blocks(session: Session, letter: Letter) -> list[tuple[LetterBlock, str]]:
    """Each block of the letter in order, with its text (a paragraph's at the version used), in two queries."""
    blocks = list(session.exec(select(LetterBlock).where(col(LetterBlock.letter_id) == letter.id).order_by(col(LetterBlock.position))))
    pids = {b.paragraph_id for b in blocks if b.paragraph_id is not None}
    texts = {(v.paragraph_id, v.version): v.text
             for v in session.exec(select(ParagraphVersion).where(col(ParagraphVersion.paragraph_id).in_(pids)))} if pids else {}
    return [(b, texts[(b.paragraph_id, b.paragraph_version)]
             if b.paragraph_id is not None and b.paragraph_version is not None else b.text or "") for b in blocks]


def required(kind: kinds.Kind, letter: Letter) -> None:
    """422 naming the kind's required fields the letter leaves empty, or a promised date already past."""
    if empty := kinds.missing(kind, letter.model_dump()):
        raise Invalid(f"a {kind.key.value} needs {', '.join(empty)} before it is submitted", field=empty[0])
    if letter.expected_answer_on is not None and letter.expected_answer_on < today():
        raise Invalid(f"expected_answer_on {letter.expected_answer_on} is past; promise a day from today on",
                      field="expected_answer_on")


def plausible_date(letter: Letter) -> None:
    """422 for a letter date no one means (9999-12-31, stored before dates were checked): it would break the export."""
    if letter.letter_date is not None and not EARLIEST <= letter.letter_date <= LATEST:
        raise Invalid(f"letter_date {letter.letter_date} is not between {EARLIEST} and {LATEST}", field="letter_date")


def gaps(session: Session, letter: Letter, as_of: date) -> list[Gap]:
    """Every unfinished spot of the letter's answers, in question order."""
    questions = list(session.exec(select(Question).where(col(Question.inquiry_id) == letter.inquiry_id).order_by(col(Question.number))))
    block_texts = texts_of_blocks(session, letter)
    series = library_service.load_series(session, set().union(*(statfill.keys_in(t) for _b, t in block_texts)),
                                         organisation_id=stored(session, Inquiry, letter.inquiry_id).organisation_id)
    found: list[Gap] = []
    for q in questions:
        mine = [(b, t) for b, t in block_texts if b.question_id == q.id]
        if not mine:
            found.append(Gap(q.id, q.number, None, "no_answer"))
        for index, (block, text) in enumerate(mine):
            # Nothing a reader would read: blank, zero-width spaces, or only a dash or dots.
            if block.paragraph_id is None and not any(ch.isalnum() for ch in text):
                found.append(Gap(q.id, q.number, index, "empty"))
            elif block.paragraph_id is None and PLACEHOLDER_TEXT in text:
                found.append(Gap(q.id, q.number, index, "placeholder"))
            elif keys := _missing(text, series, as_of):
                found.append(Gap(q.id, q.number, index, "missing_figures", keys))
    return found


def _missing(text: str, series: dict[str, statfill.Series], as_of: date) -> tuple[str, ...]:
    """The figures the text asks for that do not exist at `as_of` (they would read '[mangler tal: …]')."""
    missing: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n") if p.strip()):
        if (keys := statfill.table_keys(paragraph)) is not None:
            if statfill.table(keys, series, as_of) is None:
                missing += keys
        else:
            missing += [m[2:-2].strip() for m in statfill.fill(paragraph, series, as_of).missing]
    return tuple(dict.fromkeys(missing))
