"""Suggestions: the library paragraphs that best answer a question, directly or via earlier questions.

One function, `suggest`, is all the draft editor and the API call; the search behind it is simple
word overlap on shortened words for now and can be replaced without touching its callers.
"""

import math
import re
from dataclasses import dataclass

from sqlmodel import Session, select

from app.inquiries.deadlines import today as danish_today
from app.library import service as library_service
from app.models import Paragraph, ParagraphVersion, Question, QuestionParagraph

_WORD = re.compile(r"[a-zæøåéü0-9/]+")
_STOP = set("""af alle alt at blev bliver de dem den denne der deres det dette dig din dog du efter eller en end er et
for fra får gør ham han har have hende her hos hun hvad hvem hver hvilke hvilken hvis hvor hvordan hvorfor i ikke ind
jeg jer jo kan kun man mange med meget men mig min mod ned noget nogle når og også om op os over på sig sin skal
som så til ud under var vi vil ville være været""".split())


@dataclass(frozen=True)
class Suggestion:
    paragraph_id: int
    key: str
    title: str
    text: str  # with statistics filled in
    score: float
    via: str  # "paragraph" or "question"
    why: str  # the shared words, or the earlier question


def _stems(text: str) -> set[str]:
    # Six letters is a crude stand-in for a Danish stemmer: "lægeerklæringer" meets "lægeerklæring".
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _overlap(query: set[str], other: set[str]) -> tuple[float, set[str]]:
    shared = query & other
    return (len(shared) / math.sqrt(len(other) + 1), shared) if shared else (0.0, shared)


def suggest(session: Session, *, text: str, limit: int = 5, exclude_question_id: int | None = None) -> list[Suggestion]:
    """The best paragraphs for `text`, best first, each with why it matched."""
    query = _stems(text)
    if not query:
        return []
    current = list(session.exec(
        select(Paragraph, ParagraphVersion).join(ParagraphVersion, (ParagraphVersion.paragraph_id == Paragraph.id)
                                                 & (ParagraphVersion.version == Paragraph.current_version))))
    best: dict[int, tuple[float, str, str]] = {}
    for p, v in current:
        score, shared = _overlap(query, _stems(" ".join([v.title, v.title, v.text, *v.topics])))
        if score:
            best[p.id] = (score, "paragraph", ", ".join(sorted(shared)))
    links = session.exec(select(Question, QuestionParagraph.paragraph_id).join(
        QuestionParagraph, QuestionParagraph.question_id == Question.id))
    for question, pid in links:
        if question.id == exclude_question_id:
            continue
        score, _shared = _overlap(query, _stems(question.text))
        score *= 1.2  # an earlier question answered by this paragraph is the strongest evidence
        if score > best.get(pid, (0.0,))[0]:
            best[pid] = (score, "question", question.text)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:limit]
    by_id = {p.id: (p, v) for p, v in current}
    today = danish_today()
    out = []
    for pid, (score, via, why) in ranked:
        p, v = by_id[pid]
        out.append(Suggestion(paragraph_id=pid, key=p.key, title=v.title, text=library_service.render(session, v.text, today).text,
                              score=round(score, 3), via=via, why=why))
    return out
