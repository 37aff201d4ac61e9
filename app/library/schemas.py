"""API shapes of the library."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import DbId, IsoDate, Key, Line, LongText, Strict, Text
from app.models import PeriodKind

Topic = Annotated[str, Text(100, min_length=1)]
FigureValue = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]



class ParagraphContent(Strict):
    title: Line
    text: LongText
    topics: list[Topic] = Field(default_factory=list, max_length=30)
    legal_refs: list[Annotated[str, Text(300, min_length=1)]] = Field(default_factory=list, max_length=30)
    review_by: IsoDate | None = None


SharedWith = Annotated[list[Key], Field(max_length=100, description='[] (the owner only), ["municipality"] (its '
                                                                  "municipality), or other municipalities' keys")]


class ParagraphIn(ParagraphContent):
    key: Key
    organisation: Key | None = None
    shared_with: SharedWith = Field(default_factory=list)


class ParagraphUpdate(ParagraphContent):
    version: DbId | None = Field(default=None, description="the version you edited; 409 if another came since")


class UsedFigureOut(BaseModel):
    key: str
    period: date
    value: float
    source: str


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    created_by: str | None


class ParagraphOut(BaseModel):
    id: int
    key: str
    organisation: str | None
    shared_with: list[str] = Field(default_factory=list)
    version: int
    current_version: int
    title: str
    text: str = Field(description="as written, with [[statistic]] placeholders")
    rendered_text: str = Field(description="with the statistics filled in as of `as_of`")
    as_of: date
    statistics: list[UsedFigureOut]
    missing: list[str]
    warnings: list[str] = Field(description="e.g. the latest figures in the text are from different periods")
    topics: list[str]
    legal_refs: list[str]
    review_by: date | None
    review_overdue: bool
    versions: list[VersionOut]


class ParagraphSummary(BaseModel):
    id: int
    key: str
    version: int
    title: str
    topics: list[str]
    review_by: date | None
    review_overdue: bool


class ParagraphList(BaseModel):
    items: list[ParagraphSummary]
    total: int


class ValueIn(Strict):
    period: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD, YYYY-MM or YYYY")]
    value: FigureValue
    source: Annotated[str, Text(300)] | None = None
    note: Annotated[str, Text(500)] | None = None


class StatisticIn(Strict):
    key: Key
    label: Line
    unit: Annotated[str, Text(50)] | None = None
    source: Line
    period_kind: PeriodKind = PeriodKind.month
    # Discretion for small counts: a value below this is shown as `suppressed_as` ("under 5") in every letter.
    suppress_below: int | None = Field(default=None, ge=1, le=1_000)
    suppressed_as: Annotated[str, Text(50)] | None = None
    description: Annotated[str, Text(5_000)] | None = None
    organisation: Key | None = None
    shared_with: SharedWith = Field(default_factory=list)
    values: list[ValueIn] = Field(default_factory=list, max_length=1_000)


class ValueOut(BaseModel):
    period: date
    period_label: str
    value: float
    formatted: str
    source: str
    note: str | None


class StatisticOut(BaseModel):
    id: int
    key: str
    label: str
    unit: str | None
    source: str
    period_kind: str
    description: str | None
    organisation: str | None
    shared_with: list[str] = Field(default_factory=list)
    values: list[ValueOut]
    latest: ValueOut | None


class StatisticList(BaseModel):
    items: list[StatisticOut]
    total: int


class SuggestionOut(BaseModel):
    paragraph_id: int
    key: str
    title: str
    text: str
    score: float
    via: str
    why: str
    flags: list[str] = Field(description="what to check before using it: review date passed, old figures")
    owner: str | None = Field(default=None, description="the owning organisation or municipality, when not yours")


class SuggestionList(BaseModel):
    items: list[SuggestionOut]
