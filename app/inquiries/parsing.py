"""Split a pasted e-mail into numbered questions, plus what its headers tell (subject, sender, date)."""

import re
from dataclasses import dataclass, field
from datetime import date

from app.fields import clean_text

_QUOTE = "\"“”„«»'’"
_NUMBERED = re.compile(
    rf"^\s*(?P<quote>[{_QUOTE}]?)\s*"
    r"(?:(?:Spørgsmål|Spm\.?|Sp\.)\s*(?P<n1>\d{1,3})\s*[:.)\-–]?"
    r"|\((?P<n2>\d{1,3})\)"
    r"|(?P<n3>\d{1,3})\s*[.):])"
    r"(?=\s|$)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(rf"^\s*(?P<quote>[{_QUOTE}]?)\s*[-–—•*▪·◦]\s+(?P<rest>\S.*)$")
_HEADER = re.compile(
    r"^\s*\**(?P<name>Fra|From|Sendt|Sent|Dato|Date|Til|To|Cc|Bcc|Emne|Subject|Vedhæftede filer|Attachments|"
    r"Prioritet|Importance)\s*:\**\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Oprindelig meddelelse|Forwarded message|Videresendt (?:meddelelse|besked))"
    r"\s*-{2,}|(?:Begin forwarded message|Start på videresendt (?:meddelelse|besked)|Videresendt (?:meddelelse|besked))"
    r"\s*:?|_{5,}|-{5,}|On .{5,200} wrote:|Den .{5,200} skrev .{1,200}:)\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:Med )?venlig(?:e)? hils(?:en|ner)|Mvh\.?|Vh\.?|(?:De )?bedste hilsner|Hilsen|Kind regards|"
    r"Best regards|Regards)\b[,.!]?(?:\s+\S.{0,60})?\s*$|^\s*--\s*$|^\s*(?:Sendt fra|Sent from) .{0,60}$",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^(?:\s*>)+ ?")
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:SV|VS|RE|FW|FWD|Vs|Sv)\s*:\s*)+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("januar", "january", "jan"),
            ("februar", "february", "feb"),
            ("marts", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


@dataclass
class ParsedQuestion:
    number: int
    text: str


@dataclass
class ParsedEmail:
    questions: list[ParsedQuestion] = field(default_factory=list)
    title: str | None = None
    asker_name: str | None = None
    asker_email: str | None = None
    received_on: date | None = None
    intro: str | None = None


def parse_date(value: str) -> date | None:
    """A date in the forms mail clients write: 11. maj 2023, May 11, 2023, 11-05-2023, 2023-05-11."""
    value = value.lower()
    candidates: list[tuple[int, int, int]] = []
    if m := re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
        candidates.append((int(m[1]), int(m[2]), int(m[3])))
    if m := re.search(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", value):
        candidates.append((int(m[3]), int(m[2]), int(m[1])))
    if (m := re.search(r"(\d{1,2})\.?\s+([a-zæøå]+)\.?\s+(\d{4})", value)) and m[2] in _MONTHS:
        candidates.append((int(m[3]), _MONTHS[m[2]], int(m[1])))
    if (m := re.search(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", value)) and m[1] in _MONTHS:
        candidates.append((int(m[3]), _MONTHS[m[1]], int(m[2])))
    for year, month, day in candidates:
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def _header_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of runs of two or more header lines such as Fra:/Sendt:/Emne:."""
    blocks, start = [], None
    for i, line in enumerate([*lines, ""]):
        if _HEADER.match(line) and line.strip():
            start = i if start is None else start
            continue
        if start is not None and i - start >= 2:
            blocks.append((start, i))
        start = None
    return blocks


def _apply_headers(result: ParsedEmail, lines: list[str]) -> None:
    for line in lines:
        m = _HEADER.match(line)
        if m is None:
            continue
        name, value = m["name"].lower(), m["value"].strip()
        if name in ("emne", "subject") and value:
            result.title = _SUBJECT_PREFIX.sub("", value).strip() or None
        elif name in ("fra", "from") and value:
            email = _EMAIL.search(value)
            result.asker_email = email[0] if email else None
            name_part = _EMAIL.sub("", value).strip(" <>[]()\"'\t;,")
            result.asker_name = name_part.replace("mailto:", "").strip(" <>[]") or None
        elif name in ("sendt", "sent", "dato", "date") and value:
            result.received_on = parse_date(value)


def _body_lines(lines: list[str], result: ParsedEmail) -> list[str | None]:
    """The lines that can hold questions; header, separator and signature lines become None."""
    blocks = _header_blocks(lines)
    in_header = {i for start, end in blocks for i in range(start, end)}
    body: list[str | None] = []
    in_signature = False
    for i, line in enumerate(lines):
        if i in in_header or _SEPARATOR.match(line):
            in_signature = False
            body.append(None)
            continue
        if _SIGN_OFF.match(line):
            in_signature = True
        body.append(None if in_signature else line)
    return body


def _number_of(m: re.Match) -> int:
    return int(m["n1"] or m["n2"] or m["n3"])


def _markers(body: list[str | None]) -> tuple[dict[int, re.Match], str]:
    """The lines that start a question, and the mode: numbered, bullets or sentences."""
    numbered = {i: m for i, line in enumerate(body) if line is not None and (m := _NUMBERED.match(line))}
    if numbered:
        numbers = [_number_of(m) for m in numbered.values()]
        expected = 1 if 1 in numbers else min(numbers)
        accepted = {}
        # Only an unbroken sequence counts, so a line opening with "11. maj" is not question 11.
        for i, m in numbered.items():
            if _number_of(m) == expected:
                accepted[i] = m
                expected += 1
        return accepted, "numbered"
    bullets = {i: m for i, line in enumerate(body) if line is not None and (m := _BULLET.match(line))}
    if bullets:
        return bullets, "bullets"
    return {}, "sentences"


def _paragraphs(body: list[str | None]) -> list[list[tuple[int, str]]]:
    """Runs of non-empty lines, each line with its index."""
    paragraphs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for i, line in enumerate(body):
        if line is None or not line.strip():
            if current:
                paragraphs.append(current)
            current = []
        else:
            current.append((i, line.strip()))
    if current:
        paragraphs.append(current)
    return paragraphs


def _segments(body: list[str | None], markers: dict[int, re.Match]):
    """(starts a question, first line index, text) for each paragraph, split where a question starts."""
    for para in _paragraphs(body):
        chunk: list[str] = []
        first, starts = para[0][0], para[0][0] in markers
        for i, line in para:
            if i in markers:
                if chunk:
                    yield starts, first, _join(chunk)
                m = markers[i]
                chunk, first, starts = [m["quote"] + m["rest"]], i, True
            else:
                chunk.append(line)
        if chunk:
            yield starts, first, _join(chunk)


def _join(lines: list[str]) -> str:
    return re.sub(r"[ \t]+", " ", " ".join(lines)).strip()


def parse_email(text: str) -> ParsedEmail:
    """Questions and header facts from a pasted e-mail or list of questions."""
    result = ParsedEmail()
    lines = [_REPLY_PREFIX.sub("", line) for line in str(clean_text(text)).split("\n")]
    body = _body_lines(lines, result)
    markers, mode = _markers(body)

    items: list[list[str]] = []  # each question: its paragraphs
    intro: list[str] = []
    last_marker = max(markers, default=-1)
    for starts_question, first, text in _segments(body, markers):
        if starts_question or (mode == "sentences" and "?" in text):
            items.append([text])
        elif not items:
            intro.append(text)
        elif mode == "sentences":
            continue
        elif first < last_marker or "?" in text or not any("?" in p for p in items[-1]):
            items[-1].append(text)
        else:
            # After the last question only further questions belong to it, not the closing words.
            break

    # The header block nearest before the first question is the asker's own mail.
    first_line = min(markers) if markers else len(lines)
    blocks = [b for b in _header_blocks(lines) if b[0] < first_line] or _header_blocks(lines)
    if blocks:
        start, end = blocks[-1]
        _apply_headers(result, lines[start:end])

    numbered = [q for q in ("\n".join(p for p in item if p).strip() for item in items) if q]
    result.questions = [ParsedQuestion(number=n, text=q) for n, q in enumerate(numbered, start=1)]
    result.intro = "\n".join(intro).strip() or None
    return result
