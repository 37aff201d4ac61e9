"""The registry of letter kinds: the one place that says what a brev, a notat and an interim reply are.

Rendering reads the template and the DOCX layout, export the document type, the workflow the submit rules,
the editor which fields to show. A new kind is one entry here, a template in letter_templates/ and, if no
existing layout fits, one in app.rendering.docx.LAYOUTS (a test checks that every kind has both).
"""

from dataclasses import dataclass

from app.errors import Invalid
from app.models import LetterKind


@dataclass(frozen=True)
class Kind:
    """What one kind of letter is."""

    key: LetterKind
    label: str  # as the user reads it
    template: str  # the HTML in letter_templates/
    layout: str  # the DOCX builder in app.rendering.docx.LAYOUTS
    document_type: str  # the records system's document type in the export metadata
    addressed: bool  # written to the asker: recipient, "Kære …", thanks for the inquiry
    answers_questions: bool  # each question has an answer; without, the letter's text is its intro
    answers_inquiry: bool  # submitting and approving it moves the inquiry (app.inquiries.states)
    required: tuple[str, ...]  # fields that must be filled before it is submitted
    date_style: str  # "numeric" or "long", unless the organisation chooses otherwise
    title_prefix: str  # before the inquiry's title: "Svar på …"
    sender_on_later_pages: bool  # pages 2 on name the unit and department above the case line, as a brev's do


REGISTRY: dict[LetterKind, Kind] = {
    LetterKind.brev: Kind(
        key=LetterKind.brev, label="Brev", template="brev.html", layout="brev", document_type="Udgående brev",
        addressed=True, answers_questions=True, answers_inquiry=True, required=(), date_style="numeric",
        title_prefix="Svar på", sender_on_later_pages=True),
    LetterKind.notat: Kind(
        key=LetterKind.notat, label="Notat", template="notat.html", layout="notat", document_type="Notat",
        addressed=False, answers_questions=True, answers_inquiry=True, required=(), date_style="long",
        title_prefix="Svar på", sender_on_later_pages=False),
    LetterKind.interim: Kind(
        key=LetterKind.interim, label="Foreløbigt svar", template="forelobigt.html", layout="interim",
        document_type="Udgående brev", addressed=True, answers_questions=False, answers_inquiry=False,
        required=("expected_answer_on", "intro"), date_style="numeric", title_prefix="Foreløbigt svar på",
        sender_on_later_pages=True),
}

# The required fields' names in the user's words.
FIELD_LABELS = {"expected_answer_on": "forventet svardato", "intro": "brevets tekst"}


def of(kind: str) -> Kind:
    """The kind named `kind`; 422 for a name that is not one (a row stored by hand, a future kind)."""
    try:
        return REGISTRY[LetterKind(kind)]
    except ValueError:
        raise Invalid(f"unknown letter kind {kind!r}; known: {', '.join(REGISTRY)}", field="kind") from None


def missing(kind: Kind, values: dict[str, object]) -> list[str]:
    """The kind's required fields that `values` leaves empty."""
    return [name for name in kind.required if values.get(name) in (None, "")]
