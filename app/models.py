"""All tables. Enum values are stored as plain strings so both databases migrate the same way."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JsonType = JSON().with_variant(JSONB(), "postgresql")
# Ids are 64-bit, so every id the API accepts (up to 2**63-1) can be looked up; SQLite keeps
# INTEGER PRIMARY KEY, its 64-bit rowid.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp that comes back aware, in UTC, from both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            # SQLite stores text; keep it uniform and sortable.
            return value.replace(tzinfo=None) if dialect.name == "sqlite" else value
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Now, in UTC, as every timestamp is stored."""
    return datetime.now(UTC)


def _json(default_factory: Callable[[], object]) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JsonType, nullable=False))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# Primary keys are typed `int`, not `int | None`: they are None only between building a row and
# flushing it, and every service reads them after the flush; the type says what every stored row has.


class Role(StrEnum):
    drafter = "drafter"  # sagsbehandler, sekretariat
    approver = "approver"  # direktør, chef
    contributor = "contributor"  # fagperson who answers a part
    admin = "admin"  # of one municipality
    viewer = "viewer"  # reads only, e.g. the borgmester's office


class Municipality(SQLModel, table=True):
    """A kommune: its organisations' staff may work together; nothing crosses to another."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=300, unique=True)
    # Whether staff of one organisation may read the inquiries of the others in the municipality.
    share_inquiries: bool = Field(default=False)
    # Sign-in with the municipality's identity provider (app.auth.oidc): issuer, client id, the groups claim and
    # which group gives which unit and role; None: local passwords only. The client secret is in the environment.
    sign_in: dict | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    created_at: datetime = _created()


class InquiryStatus(StrEnum):
    """The coarse status of API v1, derived from the state (app.inquiries.states decides both)."""

    new = "new"
    drafting = "drafting"
    answered = "answered"
    closed = "closed"



class InquiryState(StrEnum):
    """Where an inquiry is in its work; the moves between states are app.inquiries.states'."""

    new = "ny"
    allocated = "fordelt"
    drafting = "under_udarbejdelse"
    awaiting_contributions = "afventer_bidrag"
    awaiting_approval = "til_godkendelse"
    answered = "besvaret"
    transferred = "overdraget"
    declined = "afvist"


class Channel(StrEnum):
    email = "email"
    letter = "letter"
    meeting = "meeting"
    phone = "phone"
    other = "other"


class PeriodKind(StrEnum):
    day = "day"
    month = "month"
    quarter = "quarter"
    year = "year"


class Organisation(SQLModel, table=True):
    """A sending forvaltning/unit and its letterhead data."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    municipality: str = Field(max_length=300)  # its name as the letterhead prints it
    # Written only by app.organisations.structure; no foreign key, so that SQLite can drop it in place (migration 0012).
    municipality_id: int | None = Field(default=None, sa_type=IdType, index=True)
    name: str = Field(max_length=300)
    unit: str | None = Field(default=None, max_length=300)
    street: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=50)
    web: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    deadline_days: int = Field(default=10)
    # A contribution past its due date is chased every this many working days (escalated after the second chaser).
    chaser_working_days: int = Field(default=2)
    # Klarsprog: the LIX its letters aim at or under (None: app.approval.readability's default, 45).
    lix_target: int | None = None
    esdh_systems: list = _json(list)
    # Logo, colours and fonts for the letterhead; read by rendering, never hard-coded.
    letterhead: dict = _json(dict)
    # How approved letters reach the records system: file name pattern, drop folder, adapter settings.
    export: dict = _json(dict)
    created_at: datetime = _created()


class LetterheadLogo(SQLModel, table=True):
    """A forvaltning's uploaded logo (app.organisations.logos checked it): PNG for both formats, SVG for the PDF."""

    __tablename__ = "letterhead_logo"

    organisation_id: int = Field(foreign_key="organisation.id", sa_type=IdType, primary_key=True)
    png: bytes = Field(sa_type=LargeBinary)
    svg: bytes | None = Field(default=None, sa_type=LargeBinary)
    uploaded_at: datetime = _created()


class Person(SQLModel, table=True):
    """Staff named in letters: signatories, drafters."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", sa_type=IdType, index=True)
    name: str = Field(max_length=300)
    title: str | None = Field(default=None, max_length=300)
    initials: str | None = Field(default=None, max_length=20)
    unit: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    role: str | None = Field(default=None, max_length=20)


class Asker(SQLModel, table=True):
    """A council member, committee or group that sends questions."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str | None = Field(default=None, max_length=100, unique=True)
    name: str = Field(max_length=300, index=True)
    role: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    kind: str = Field(default="member", max_length=20)
    # Whose council the asker sits on: the same name in another municipality is someone else.
    municipality: str | None = Field(default=None, max_length=300, index=True)


class User(SQLModel, table=True):
    """A login: drafter, approver or admin."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    username: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=300)
    title: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    role: str = Field(max_length=20)
    password_hash: str | None = Field(default=None, max_length=500)
    person_id: int | None = Field(default=None, foreign_key="person.id", sa_type=IdType)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", sa_type=IdType)
    is_active: bool = Field(default=True)
    # Mail the user turned off (kinds of app.mail.preferences.OPTIONAL), and whether the morning digest replaces them.
    mail_off: list = _json(list)
    mail_digest_only: bool = Field(default=False)
    # "ISSUER SUB" for a user who signs in with an identity provider: the link that survives a renamed account.
    subject: str | None = Field(default=None, max_length=600, unique=True, index=True)
    # Runs Besvar for the municipalities (creates them and their first admin); belongs to none and reads none's work.
    operator: bool = Field(default=False)
    created_at: datetime = _created()


class Unit(SQLModel, table=True):
    """An enhed or team of an organisation: where work is allocated and people are members."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", sa_type=IdType, index=True)
    name: str = Field(max_length=300)
    lead_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    created_at: datetime = _created()


class Membership(SQLModel, table=True):
    """A user's role in a unit (and so in its organisation); one user may hold several."""

    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role", name="uq_membership"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(foreign_key="user.id", sa_type=IdType, index=True)
    unit_id: int = Field(foreign_key="unit.id", sa_type=IdType, index=True)
    role: str = Field(max_length=20)
    created_at: datetime = _created()


class ApiToken(SQLModel, table=True):
    """An API token; only its SHA-256 is stored (the token itself has 256 random bits)."""

    __tablename__ = "api_token"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(foreign_key="user.id", sa_type=IdType, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(default="API-token", max_length=100)
    # Valid through this day (Danish time); None: until revoked.
    expires_on: date | None = None
    # Reads only: any other method answers 403.
    read_only: bool = Field(default=False)
    created_at: datetime = _created()
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Inquiry(SQLModel, table=True):
    """One henvendelse with its numbered questions."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str | None = Field(default=None, max_length=100, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", sa_type=IdType, index=True)
    title: str = Field(max_length=500)
    asker_id: int = Field(foreign_key="asker.id", sa_type=IdType, index=True)
    channel: str = Field(default=Channel.email, max_length=20)
    received_on: date
    deadline: date = Field(index=True)
    status: str = Field(default=InquiryStatus.new, max_length=20, index=True)
    state: str = Field(default=InquiryState.new, max_length=30, index=True)
    # The unit it is allocated to (no foreign key, so that SQLite adds the column in place; migration 0015)
    # and, in it, the person who drafts the answer (the sagsbehandler, "assignee" in the API).
    unit_id: int | None = Field(default=None, sa_type=IdType, index=True)
    drafter_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    kle_number: str | None = Field(default=None, max_length=50)
    kle_action: str | None = Field(default=None, max_length=50)
    created_at: datetime = _created()


class DeadlineChange(SQLModel, table=True):
    """One extension of an inquiry's deadline: from, to, why, who and when."""

    __tablename__ = "deadline_change"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, index=True, ondelete="CASCADE")
    from_date: date
    to_date: date
    reason: str
    actor: str = Field(max_length=100)
    at: datetime = _created()


class ContributionStatus(StrEnum):
    requested = "anmodet"
    answered = "besvaret"
    cancelled = "annulleret"


class Contribution(SQLModel, table=True):
    """A part of an answer asked of another unit (or a named person in one), with an internal due date.

    Overdue is derived from `due`, never stored. The login-free link is a random token; only its SHA-256 is kept.
    """

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", sa_type=IdType, index=True)
    person_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType, index=True)
    question_ids: list = _json(list)  # empty: the whole inquiry
    note: str
    due: date
    status: str = Field(default=ContributionStatus.requested, max_length=20, index=True)
    requested_by: str = Field(max_length=100)
    answer: str | None = None
    answered_by: str | None = Field(default=None, max_length=300)
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    link_expires: date | None = None
    created_at: datetime = _created()


class ContributionMessage(SQLModel, table=True):
    """The history of a contribution: each request (the first and every "uddyb venligst") and each answer."""

    __tablename__ = "contribution_message"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    contribution_id: int = Field(foreign_key="contribution.id", sa_type=IdType, index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # request, answer, cancel
    text: str
    actor: str = Field(max_length=300)
    due: date | None = None
    at: datetime = _created()


class ContributionFile(SQLModel, table=True):
    """An attachment to a contribution's answer (PDF, DOCX or XLSX, checked as imports are)."""

    __tablename__ = "contribution_file"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    contribution_id: int = Field(foreign_key="contribution.id", sa_type=IdType, index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content: bytes = Field(sa_type=LargeBinary)
    sha256: str = Field(max_length=64)
    created_at: datetime = _created()


class CaseRef(SQLModel, table=True):
    """A case or document number of the inquiry in one ESDH system."""

    __tablename__ = "case_ref"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, index=True, ondelete="CASCADE")
    position: int
    system: str = Field(max_length=50)
    kind: str = Field(max_length=50)
    number: str = Field(max_length=100)


class Question(SQLModel, table=True):
    """A question, verbatim, numbered inside its inquiry."""

    __table_args__ = (UniqueConstraint("inquiry_id", "number"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, index=True, ondelete="CASCADE")
    number: int
    text: str
    remark: str | None = None


class Paragraph(SQLModel, table=True):
    """A reusable answer text; its content lives in immutable versions."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", sa_type=IdType, index=True)
    current_version: int = Field(default=1)
    # Who else may use it: [] (the owner only), "municipality" (the owner's), or named municipalities' keys.
    shared_with: list = _json(list)
    created_at: datetime = _created()


class ParagraphVersion(SQLModel, table=True):
    """One version of a paragraph; an edit adds a version, old letters keep theirs."""

    __tablename__ = "paragraph_version"
    __table_args__ = (UniqueConstraint("paragraph_id", "version"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    paragraph_id: int = Field(foreign_key="paragraph.id", sa_type=IdType, index=True)
    version: int
    title: str = Field(max_length=300)
    text: str
    topics: list = _json(list)
    legal_refs: list = _json(list)
    review_by: date | None = None
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = _created()


class Statistic(SQLModel, table=True):
    """A named figure series: unit, source and period granularity."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", sa_type=IdType, index=True)
    label: str = Field(max_length=300)
    unit: str | None = Field(default=None, max_length=50)
    source: str = Field(max_length=300)
    period_kind: str = Field(default=PeriodKind.month, max_length=10)
    description: str | None = None
    # Who else may use it, as for a paragraph: [], "municipality", or named municipalities' keys.
    shared_with: list = _json(list)
    # Discretion for small counts: a value below `suppress_below` is shown as `suppressed_as` ("under 5") everywhere.
    suppress_below: int | None = None
    suppressed_as: str | None = Field(default=None, max_length=50)
    created_at: datetime = _created()


class StatisticValue(SQLModel, table=True):
    """One dated figure; `period` is the first day of the period it counts."""

    __tablename__ = "statistic_value"
    __table_args__ = (UniqueConstraint("statistic_id", "period"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    statistic_id: int = Field(foreign_key="statistic.id", sa_type=IdType, index=True)
    period: date
    value: float
    source: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()


class QuestionParagraph(SQLModel, table=True):
    """Which paragraph version answered a past question, in order."""

    __tablename__ = "question_paragraph"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    question_id: int = Field(foreign_key="question.id", sa_type=IdType, index=True, ondelete="CASCADE")
    paragraph_id: int = Field(foreign_key="paragraph.id", sa_type=IdType, index=True)
    paragraph_version: int
    position: int


class LetterKind(StrEnum):
    """The kinds' names; what each one is (template, layout, rules) is app.letters.kinds'."""

    brev = "brev"
    notat = "notat"
    interim = "foreløbigt"


class AccessMarking(StrEnum):
    """Who may read a filed document: what the records system's access field takes."""

    open = "åben"
    personal = "personoplysninger"
    confidential = "fortrolig"

    @property
    def code(self) -> str:
        """The marking as the export's metadata names it for other systems (API.md): open, personal_data,
        confidential; the Danish value is what the drafter picks and the letter stores."""
        return {"åben": "open", "personoplysninger": "personal_data", "fortrolig": "confidential"}[self.value]


class LetterStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"


class Letter(SQLModel, table=True):
    """The answer to an inquiry as a brev or notat; `version` counts saves, for optimistic locking."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str | None = Field(default=None, max_length=100, unique=True)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, index=True)
    kind: str = Field(max_length=10)
    version: int = Field(default=1)
    status: str = Field(default=LetterStatus.draft, max_length=20, index=True)
    letter_date: date | None = None
    # An interim reply's promise: the day the answer is expected by (kind foreløbigt only).
    expected_answer_on: date | None = None
    title: str = Field(max_length=500)
    recipient_name: str | None = Field(default=None, max_length=300)
    recipient_title: str | None = Field(default=None, max_length=300)
    recipient_email: str | None = Field(default=None, max_length=300)
    copy_to: str | None = Field(default=None, max_length=300)
    salutation: str | None = Field(default=None, max_length=300)
    intro: str | None = None
    signatory_id: int | None = Field(default=None, foreign_key="person.id", sa_type=IdType)
    initials: str | None = Field(default=None, max_length=20)
    # The drafter's access marking (AccessMarking); None: the personal-data check decides at filing.
    access: str | None = Field(default=None, max_length=30)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    return_comment: str | None = None
    # One correction per letter: the next one corrects the correction (the database holds to it under races).
    supersedes_id: int | None = Field(default=None, foreign_key="letter.id", sa_type=IdType, index=True, unique=True)
    # What the personal-data check found at submit, for the approver to see.
    personal_data_flags: list = _json(list)
    # The statistic values the approved documents show: [{key, period, value, source}].
    frozen_statistics: list = _json(list)
    # The series a submitted letter shows, fixed at submit (statfill.pin), so that the approver approves
    # the figures they reviewed even if a new value arrives meanwhile; None while a draft.
    pinned_series: dict | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    # The title and answers as the approver read them when returning the letter: [{number, text}], 0 the title.
    returned_text: list | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    # What the checks at submit found (app.approval.findings): [{check, severity, message, ...}], for the approver.
    check_findings: list | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    created_at: datetime = _created()


class LetterBlock(SQLModel, table=True):
    """One block of an answer: a library paragraph (at a version) or free text."""

    __tablename__ = "letter_block"
    __table_args__ = (UniqueConstraint("letter_id", "question_id", "position"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    letter_id: int = Field(foreign_key="letter.id", sa_type=IdType, index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", sa_type=IdType, index=True)
    position: int
    paragraph_id: int | None = Field(default=None, foreign_key="paragraph.id", sa_type=IdType)
    paragraph_version: int | None = None
    text: str | None = None
    # The contribution the text came from (its provenance, kept in the audit and the export metadata).
    contribution_id: int | None = Field(default=None, sa_type=IdType)


class LetterDocument(SQLModel, table=True):
    """The rendered bytes of an approved letter, frozen with their SHA-256."""

    __tablename__ = "letter_document"
    __table_args__ = (UniqueConstraint("letter_id", "format"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    letter_id: int = Field(foreign_key="letter.id", sa_type=IdType, index=True)
    format: str = Field(max_length=10)
    content: bytes = Field(sa_type=LargeBinary)
    sha256: str = Field(max_length=64)
    created_at: datetime = _created()


class DispatchChannel(StrEnum):
    email = "email"  # sent by Besvar through the outbox, the PDF attached
    digital_post = "digital_post"  # sent by the ESDH through Digital Post
    print = "print"  # printed and posted


class CouncilList(SQLModel, table=True):
    """Who gets a copy of an answer: the whole council, or a committee, as a municipality keeps its lists."""

    __tablename__ = "council_list"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=IdType, index=True)
    name: str = Field(max_length=200)
    whole_council: bool = False  # the list `copy_to_council: true` means
    members: list = _json(list)  # [{name, email}]
    created_at: datetime = _created()


class Dispatch(SQLModel, table=True):
    """An approved letter recorded as sent: to whom, when, by which channel, and who had a copy."""

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    letter_id: int = Field(foreign_key="letter.id", sa_type=IdType, unique=True)
    channel: str = Field(max_length=20)
    sent_on: date
    to_name: str | None = Field(default=None, max_length=300)
    to_address: str | None = Field(default=None, max_length=300)
    council_list: str | None = Field(default=None, max_length=200)  # its name then
    copies: list = _json(list)  # the members the copy went to then: [{name, email}]
    by_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)
    created_at: datetime = _created()


class Publication(SQLModel, table=True):
    """An inquiry on the public pages: its questions, and once answered the answer as published, redacted.

    The redacted text and the re-rendered PDF are kept here; the approved letter's frozen documents are not touched.
    The redaction log says how many passages on which ground, never what.
    """

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    inquiry_id: int = Field(foreign_key="inquiry.id", sa_type=IdType, unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=IdType, index=True)
    slug: str = Field(max_length=120, unique=True)
    letter_id: int | None = Field(default=None, foreign_key="letter.id", sa_type=IdType)  # None: not answered yet
    title: str = Field(max_length=500)
    asker: str = Field(max_length=300)
    topic: str | None = Field(default=None, max_length=200)
    received_on: date
    answered_on: date | None = None
    questions: list = _json(list)  # [{number, text, answer}]; the answers redacted
    redaction_log: list = _json(list)  # [{ground, count}]
    search_terms: str = Field(default="", sa_type=Text)  # the stems of everything published, space-separated and padded, for the public search
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)  # re-rendered from the redacted text
    published_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    published_by_id: int | None = Field(default=None, foreign_key="user.id", sa_type=IdType)


class AuditEntry(SQLModel, table=True):
    """One thing that happened; each entry hashes the one before, so edits and gaps show."""

    __tablename__ = "audit_entry"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    seq: int = Field(unique=True)
    at: datetime = _created()
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)
    inquiry_id: int | None = Field(default=None, sa_type=IdType, index=True)
    letter_id: int | None = Field(default=None, sa_type=IdType, index=True)
    detail: dict = _json(dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's length and last hash, kept apart so a truncated tail is noticed."""

    __tablename__ = "audit_head"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    count: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)


class WebSession(SQLModel, table=True):
    """A browser login. Only the token's SHA-256 is stored; revoked at logout."""

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", sa_type=IdType, index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _created()
    last_seen_at: datetime = _created()
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class SignInAttempt(SQLModel, table=True):
    """One sign-in sent to an identity provider: its state (hashed), nonce and PKCE verifier, used once."""

    __tablename__ = "sign_in_attempt"

    id: str = Field(primary_key=True, max_length=64)  # SHA-256 of the state
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=IdType)
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=200)
    next: str = Field(default="/indbakke", max_length=500)
    created_at: datetime = _created()
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginFailure(SQLModel, table=True):
    """A failed login, by user name and by address, for throttling."""

    __tablename__ = "login_failure"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    username: str = Field(max_length=100, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = _created()


class ExportRecord(SQLModel, table=True):
    """One delivery or download of an approved letter's bundle, with its checksums."""

    __tablename__ = "export_record"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    letter_id: int = Field(foreign_key="letter.id", sa_type=IdType, index=True)
    target: str = Field(max_length=500)
    delivered: bool = Field(default=True, description="False for a download, which files nothing in the ESDH")
    bundle_sha256: str = Field(max_length=64)
    files: dict = _json(dict)
    actor: str = Field(max_length=100)
    at: datetime = _created()


class SynonymGroup(SQLModel, table=True):
    """Words and phrases search treats as one (ME ~ ME/CFS ~ kronisk træthedssyndrom)."""

    __tablename__ = "synonym_group"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=100, unique=True)
    terms: list = _json(list)
    # None: the bank's, for every municipality's search (at indexing); else one municipality's own, which its
    # admin keeps and its searches add to the query (app.library.synonyms).
    municipality_id: int | None = Field(default=None, sa_type=IdType, index=True)


class SearchDoc(SQLModel, table=True):
    """A paragraph or an answered question as the terms search matches (app.library.analysis).

    The text index over `terms` is the database's own: FTS5 on SQLite, a GIN tsvector index on
    PostgreSQL (both made by migration 0007); ranking is done the same way on both from these rows.
    """

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    kind: str = Field(max_length=10, description="paragraph or question")
    ref_id: int = Field(sa_type=IdType)
    terms: str = Field(description="analysed terms, one space between")
    length: int


class SearchTerm(SQLModel, table=True):
    """How many documents of a kind hold a term: BM25's document frequency, and the vocabulary."""

    __tablename__ = "search_term"

    kind: str = Field(max_length=10, primary_key=True)
    term: str = Field(max_length=100, primary_key=True)
    df: int


class SearchStat(SQLModel, table=True):
    """Per kind: documents and their total length; `stamp` changes with every index change."""

    __tablename__ = "search_stat"

    kind: str = Field(max_length=10, primary_key=True)
    docs: int = 0
    total_length: int = 0
    stamp: str = Field(default="", max_length=32, description="random, so a restored or rebuilt index never looks unchanged")


class OutboxStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # gave up after the retries: shown to admins, kept


class OutboxMessage(SQLModel, table=True):
    """A mail Besvar is to send: written in the same transaction as the event that causes it, sent once by a worker.

    `key` (kind, object, due date …) is unique, so a sweep run twice, or by two workers, adds a message once.
    """

    __tablename__ = "outbox_message"

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=50, index=True)
    # Whose event it was, so that an admin sees their municipality's mail only (no key: kept when organisations change).
    organisation_id: int | None = Field(default=None, sa_type=IdType, index=True)
    to_address: str = Field(max_length=300)
    to_name: str | None = Field(default=None, max_length=300)
    subject: str = Field(max_length=300)
    text: str
    html: str
    status: str = Field(default=OutboxStatus.queued, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    last_error: str | None = Field(default=None, max_length=1000)
    # A letter whose frozen PDF goes with the message (a dispatch by e-mail, a council copy).
    attachment_letter_id: int | None = Field(default=None, sa_type=IdType)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = _created()


class IncomingStatus(StrEnum):
    new = "new"
    accepted = "accepted"
    discarded = "discarded"


class IncomingItem(SQLModel, table=True):
    """A received e-mail waiting in Indgående: accepted as an inquiry (or a follow-up to one), or discarded.

    One per Message-ID in an organisation."""

    __tablename__ = "incoming_item"
    __table_args__ = (UniqueConstraint("organisation_id", "message_id", name="uq_incoming_item_organisation_message"),)

    id: int = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", sa_type=IdType, index=True)
    message_id: str | None = Field(default=None, max_length=300)
    source: str = Field(max_length=20)  # upload or mailbox
    sender_name: str | None = Field(default=None, max_length=300)
    sender_email: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=500)
    received_on: date | None = None
    text: str
    questions: list = _json(list)
    status: str = Field(default=IncomingStatus.new, max_length=20, index=True)
    inquiry_id: int | None = Field(default=None, foreign_key="inquiry.id", sa_type=IdType)
    created_by: str = Field(max_length=100)
    created_at: datetime = _created()
