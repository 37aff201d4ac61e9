"""Find the questions and their answers in an earlier letter's lines. Pure.

Municipal letters mark them in a few ways, all handled: a "Spørgsmål" heading over numbered
questions and "Ad 1:" before each answer (Copenhagen); bullet questions each followed by its
answer (Aalborg); "Spørgsmål 2: …" followed by "Svar: …". The greeting, the letterhead column
and the closing are left out.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from app.bank.old_letters.reading import Line
from app.inquiries.parsing import parse_date

_BULLET = re.compile(r"^\s*[-–•*▪●◦]\s+(?P<rest>.+)$")
_NUMBERED = re.compile(r'^\W{0,3}(?:spørgsmål\s*)?(?P<n>\d{1,2})\s*[.):]\s*(?P<rest>.+)$', re.IGNORECASE)
_QUESTION_HEAD = re.compile(r"^\W{0,3}spørgsmål\s*(?P<n>\d{1,2})?\s*[.:]?\s*(?P<rest>.*)$", re.IGNORECASE)
_AD = re.compile(r"^\W{0,3}ad\s+(?:spørgsmål\s*)?(?P<n>\d{1,2})\s*[.:)]?\s*(?P<rest>.*)$", re.IGNORECASE)
_SVAR = re.compile(r"^svar(?:\s+på\s+spørgsmål\s*(?P<n>\d{1,2}))?\s*[:.]\s*(?P<rest>.*)$", re.IGNORECASE)
_CLOSING = re.compile(r"^(med venlig hilsen|venlig hilsen|mvh\.?)\b", re.IGNORECASE)
_CASE = re.compile(r"^(?:sags?\s*(?:nr|nummer)|j\.?\s*nr|journal\s*(?:nr|nummer)|dok(?:ument)?\s*(?:nr|nummer))\.?"
                   r"(?:\s+i\s+\w+)?\s*:?\s*(?P<n>\S.*)?$", re.IGNORECASE)
# 2023-8126, 2023 - 8126, 24/12345, S2024-00123, 00.01.00-A00-1-24: the shapes ESDH systems number cases in.
_CASE_NUMBER = re.compile(r"\b(\d{4}\s*-\s*\d{3,}|\d{2,4}/\d{3,}|[A-Z]{1,3}\d{4}-\d{2,}|\d{2}\.\d{2}\.\d{2}-[A-ZØÆÅ]\d{2}-\d+-\d{2})\b")
# "… stillet følgende spørgsmål:", "Du spørger:", "Spørgsmålene lyder:": the numbered questions follow.
_QUESTIONS_FOLLOW = re.compile(r"(følgende\s+spørgsmål|spørgsmål(?:ene)?\s+lyder|du\s+spørger|spurgt\s+om\s+følgende)\s*:?\s*$",
                               re.IGNORECASE)
# Where the letter says when the question came: "Tak for din henvendelse af …", "Du har den 3. marts 2024 stillet …".
_RECEIVED = re.compile(r"^(tak\s+for\s+din|du\s+har|i\s+din\s+(?:mail|henvendelse)|du\s+skrev)\b", re.IGNORECASE)
_GREETING = re.compile(r"^(kære|til)\s+(?P<name>[^,.:]{2,80})[,.:]?\s*$", re.IGNORECASE)
_SENTENCE_END = ('.', '?', '!', ':', '"', '”', '»')
_QUOTES = '"“”„»«\''
_ASKS = re.compile(r"^(?:og\s+)?(?:endelig\W*\s*)?(hvordan|hvor|hvad|hvilke|hvilken|hvem|hvorfor|hvornår|kan|har|skal|får|bruger|vil)\b",
                   re.IGNORECASE)


@dataclass
class Found:
    """What one letter holds: questions with the paragraphs that answered them, and what it says about itself."""

    title: str = ""
    letter_date: date | None = None
    received_on: date | None = None
    asker: str = ""
    case_numbers: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answers: list[list[str]] = field(default_factory=list)  # per question, its paragraphs


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(_QUOTES).strip()


def _add_answer(answers: dict[int, list[str]], number: int | None, text: str) -> None:
    """Add an answer paragraph to question `number`'s, unless it is a letterhead fragment."""
    if number is not None and (paragraph := _answer(text)):
        answers.setdefault(number, []).append(paragraph)


def _answer(text: str) -> str | None:
    """An answer paragraph, or None for a fragment of the letterhead column ("Telefon", "www.kk.dk")."""
    text = re.sub(r"\s+", " ", text).strip().strip("*").strip()
    if len(text.split()) < 5 and not text.endswith(('.', '?', '!')):
        return None
    return text


_PAGE_FOOTER = re.compile(r"\bside \d+ af \d+$", re.IGNORECASE)
_FULL_LINE = 35  # a printed line this long that does not end a sentence was wrapped


def join_wrapped(lines: list[Line]) -> list[Line]:
    """PDF text comes a printed line at a time: join the lines of one paragraph again.

    A line continues the one before when that one was long (wrapped at the margin) and ended
    mid-sentence; short lines are the letterhead column and stay apart.
    """
    out: list[Line] = []
    previous = ""
    for line in lines:
        text = line.text.strip()
        if not text or _PAGE_FOOTER.search(text) or re.fullmatch(r"\d{1,2}\.", text):
            previous = ""
            continue
        starts_new = bool(_BULLET.match(text) or _NUMBERED.match(text) or _AD.match(text) or _SVAR.match(text)
                          or _QUESTION_HEAD.match(text) or _CASE.match(text) or _GREETING.match(text)
                          or _RECEIVED.match(text) or text[:1] in "“„\"«»")
        wrapped = len(previous) >= _FULL_LINE and not previous.endswith(_SENTENCE_END)
        if out and wrapped and not starts_new:
            out[-1] = Line(f"{out[-1].text} {text}", out[-1].listed, out[-1].heading)
        else:
            out.append(Line(text, line.listed, line.heading))
        previous = text
    return out


def find(lines: list[Line]) -> Found:
    """The questions and answers in a letter's lines, in order."""
    found = Found()
    questions: dict[int, str] = {}
    answers: dict[int, list[str]] = {}
    in_questions = False
    current: int | None = None
    last_question: int | None = None
    asker_next = False
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if asker_next or (re.match(r"^til\b\s*\S", text, re.IGNORECASE) and not found.asker and not questions):
            found.asker = text if asker_next else re.split(r"\t| {2,}", text[3:].strip())[0]
            asker_next = False
            continue
        if text.lower() == "til" and not found.asker:
            asker_next = True
            continue
        if found.received_on is None and _RECEIVED.match(text):
            found.received_on = parse_date(text)
        if (m := _GREETING.match(text)) and text.lower().startswith("kære"):
            # "Kære Anne Testesen": the greeting names the asker, and is never the title.
            found.asker = found.asker or m["name"].strip()
            continue
        if _CLOSING.match(text):
            current = None
            in_questions = False
            continue
        if found.letter_date is None and (when := parse_date(text)) is not None and len(text) < 40:
            found.letter_date = when
            continue
        if _CASE.match(text) or (len(text) < 30 and _CASE_NUMBER.fullmatch(text.strip())):
            found.case_numbers += [re.sub(r"\s+", "", n) for n in _CASE_NUMBER.findall(text)]
            continue
        if not found.title and text.lower().startswith(("svar på", "besvarelse af", "vedr", "spørgsmål fra", "spørgsmål om")):
            found.title = _clean(text)
            continue
        if m := _AD.match(text):
            current = int(m["n"])
            in_questions = False
            if m["rest"].strip():
                _add_answer(answers, current, m["rest"])
            continue
        if (m := _SVAR.match(text)) and (m["n"] or last_question is not None):
            current = int(m["n"]) if m["n"] else last_question
            in_questions = False
            if m["rest"].strip():
                _add_answer(answers, current, m["rest"])
            continue
        if _QUESTIONS_FOLLOW.search(text):
            in_questions, current = True, None
            continue
        if (m := _QUESTION_HEAD.match(text)) and not m["rest"].strip():
            # A "Spørgsmål" heading: numbered questions follow ("Spørgsmål 3" alone: that one follows).
            in_questions, current = True, None
            if m["n"]:
                last_question = int(m["n"])
            continue
        if (m := _NUMBERED.match(text)) and (in_questions or text.lower().lstrip(_QUOTES).startswith("spørgsmål")):
            last_question = int(m["n"])
            questions[last_question] = _clean(m["rest"])
            current = None
            continue
        if in_questions and text[:1] in "“„\"«»":
            # A quoted question under the heading, unnumbered (or its number printed apart, as in a PDF).
            last_question = max(questions, default=0) + 1
            questions[last_question] = _clean(text)
            continue
        if "svar" in text.lower() and len(text) < 120 and in_questions:
            in_questions = False  # "Forvaltningens svar": the answers follow
            continue
        if (m := _BULLET.match(text)) or (line.listed and "?" in text):
            body = _clean(m["rest"] if m else text)
            if "?" in body or _ASKS.match(body):
                last_question = max(questions, default=0) + 1
                questions[last_question] = body
                current = last_question
                continue
        if current is not None:
            _add_answer(answers, current, text)
    for number in sorted(questions):
        found.questions.append(questions[number])
        found.answers.append(answers.get(number, []))
    return found
