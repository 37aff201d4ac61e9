"""The shape of question bank files, validated before anything is written."""

from typing import Annotated, Literal

from pydantic import Field

from app.fields import IsoDate, Key, Line, OptionalLine, PlausibleDate, Strict, Text
from app.inquiries.schemas import CaseRefIn, QuestionText
from app.letters.schemas import LetterTexts
from app.library.schemas import FigureValue, ParagraphContent
from app.models import Channel, InquiryStatus, LetterKind, PeriodKind, Role


class LetterheadDoc(Strict):
    """Letterhead look; validated strictly because it reaches CSS and file paths."""

    logo: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.(svg|png)$", max_length=200)] | None = None
    # Word cannot place SVG; the DOCX uses this PNG (or `logo` when that is a PNG).
    logo_docx: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.png$", max_length=200)] | None = None
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#1a1a1a"
    font: Annotated[str, Field(pattern=r"^[A-Za-z0-9 -]{1,60}$")] = "Liberation Sans"
    docx_font: Annotated[str, Field(pattern=r"^[A-Za-z0-9 -]{1,60}$")] = "Arial"
    # How each kind of document writes its dates (the date line and the approval): 12-05-2023 or 12. maj 2023.
    date_style: dict[Literal["brev", "notat"], Literal["numeric", "long"]] = Field(default_factory=dict)


class GetOrganizedDoc(Strict):
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=300)]
    list_name: Annotated[str, Text(100)] = "Dokumenter"
    folder_path: Annotated[str, Text(300)] = ""
    case_system: Annotated[str, Text(50)] = "GetOrganized"
    # The list's internal column name for each journal field (app.exports.targets.JOURNAL_COLUMNS), where it differs.
    columns: dict[Literal["kle", "kle_action", "journal_date", "access", "drafted_by", "case_number"],
                  Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,100}$")]] = Field(default_factory=dict)


class ExportDoc(Strict):
    """How letters reach the records system; credentials come from the environment, never from here."""

    pattern: Annotated[str, Text(200)] = "{case_number}_{document_number}_{kind}_{title}"
    transliterate: bool = True
    drop_folder: Annotated[str, Text(500)] | None = None
    getorganized: GetOrganizedDoc | None = None


class OrganisationDoc(Strict):
    key: Key
    municipality: Line
    name: Line
    unit: OptionalLine | None = None
    street: OptionalLine | None = None
    postcode: Annotated[str, Text(20)] | None = None
    city: Annotated[str, Text(100)] | None = None
    phone: Annotated[str, Text(50)] | None = None
    web: OptionalLine | None = None
    email: OptionalLine | None = None
    deadline_days: Annotated[int, Field(ge=1, le=250)] = 10
    # Klarsprog: the LIX its letters aim at or under (the checks at submit; default 45).
    lix_target: Annotated[int, Field(ge=10, le=80)] | None = None
    esdh_systems: list[Annotated[str, Text(50, min_length=1)]] = Field(default_factory=list, max_length=20)
    letterhead: LetterheadDoc = Field(default_factory=LetterheadDoc)
    export: ExportDoc = Field(default_factory=ExportDoc)

class GroupPlaceDoc(Strict):
    unit: Key
    role: Role


class SignInDoc(Strict):
    """Sign-in with the municipality's identity provider (app.auth.oidc); the secret is in the environment."""

    issuer: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=300)]
    client_id: Annotated[str, Text(200, min_length=1)]
    groups_claim: Annotated[str, Field(pattern=r"^[A-Za-z0-9_:./-]{1,100}$")] = "groups"
    label: OptionalLine | None = None
    # A group (its name or id, as the provider sends it) → the units and roles it gives.
    groups: dict[Annotated[str, Text(300, min_length=1)], list[GroupPlaceDoc]] = Field(default_factory=dict, max_length=500)


class MunicipalityDoc(Strict):
    name: Line
    sign_in: SignInDoc | None = None


class PersonDoc(Strict):
    key: Key
    organisation: Key
    name: Line
    title: OptionalLine | None = None
    initials: Annotated[str, Text(20)] | None = None
    unit: OptionalLine | None = None
    email: OptionalLine | None = None
    role: Role | None = None

class AskerDoc(Strict):
    key: Key
    name: Line
    role: OptionalLine | None = None
    email: OptionalLine | None = None
    kind: Annotated[str, Field(pattern=r"^(member|committee|group|citizen|other)$")] = "member"
    municipality: OptionalLine | None = None  # whose council; the same name in another municipality is someone else

class ValueDoc(Strict):
    period: Annotated[str | int, Field(description="YYYY, YYYY-MM or YYYY-MM-DD")]
    value: FigureValue
    source: OptionalLine | None = None
    note: Annotated[str, Text(500)] | None = None

class StatisticDoc(Strict):
    key: Key
    organisation: Key | None = None
    label: Line
    unit: Annotated[str, Text(50)] | None = None
    source: Line
    period_kind: PeriodKind = PeriodKind.month
    # Discretion for small counts: a value below this is shown as `suppressed_as` ("under 5") in every letter.
    suppress_below: int | None = Field(default=None, ge=1, le=1_000)
    suppressed_as: Annotated[str, Text(50)] | None = None
    description: Annotated[str, Text(5_000)] | None = None
    values: list[ValueDoc] = Field(default_factory=list, max_length=10_000)
    # As for a paragraph: "municipality", or other municipalities' keys.
    shared_with: list[Key] = Field(default_factory=list, max_length=100)

class ParagraphDoc(ParagraphContent):
    key: Key
    organisation: Key | None = None
    # "municipality": every organisation of the owner's; or the keys of other municipalities (koebenhavns-kommune).
    shared_with: list[Key] = Field(default_factory=list, max_length=100)

class QuestionDoc(Strict):
    number: Annotated[int, Field(ge=1, le=999)]
    text: QuestionText
    remark: Annotated[str, Text(2_000)] | None = None
    answered_by: list[Key] = Field(default_factory=list, max_length=50)

class InquiryDoc(Strict):
    key: Key
    organisation: Key
    title: Annotated[str, Text(500, min_length=1)]
    asker: Key
    channel: Channel = Channel.email
    received_on: PlausibleDate
    deadline: PlausibleDate | None = None
    status: InquiryStatus = InquiryStatus.new
    kle_number: Annotated[str, Text(50)] | None = None
    kle_action: Annotated[str, Text(50)] | None = None
    case_refs: list[CaseRefIn] = Field(default_factory=list, max_length=20)
    questions: list[QuestionDoc] = Field(min_length=1, max_length=200)

class BlockDoc(Strict):
    paragraph: Key | None = None
    text: Annotated[str, Text(50_000, min_length=1)] | None = None


class AnswerDoc(Strict):
    question: Annotated[int, Field(ge=1, le=999)]
    blocks: list[BlockDoc] = Field(max_length=100)


class LetterDoc(LetterTexts):
    """The document that answered an inquiry; answers default to the questions' answered_by."""

    key: Key
    inquiry: Key
    kind: LetterKind
    date: IsoDate
    title: Annotated[str, Text(500, min_length=1)]
    signatory: Key | None = None
    answers: list[AnswerDoc] | None = None


class SynonymDoc(Strict):
    key: Key
    terms: list[Annotated[str, Text(100, min_length=1)]] = Field(min_length=2, max_length=50)


class BankFile(Strict):
    """One file: any of the sections, imported in this order."""

    organisations: list[OrganisationDoc] = Field(default_factory=list)
    municipalities: list[MunicipalityDoc] = Field(default_factory=list)
    synonyms: list[SynonymDoc] = Field(default_factory=list)
    people: list[PersonDoc] = Field(default_factory=list)
    askers: list[AskerDoc] = Field(default_factory=list)
    statistics: list[StatisticDoc] = Field(default_factory=list)
    paragraphs: list[ParagraphDoc] = Field(default_factory=list)
    inquiries: list[InquiryDoc] = Field(default_factory=list)
    letters: list[LetterDoc] = Field(default_factory=list)

SECTIONS = list(BankFile.model_fields)
