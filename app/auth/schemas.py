"""API shapes of accounts: who am I, API tokens, users' state."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import Flag, Key, Line, PlausibleDate, Strict
from app.models import Role


class MembershipOut(BaseModel):
    unit: str | None
    organisation: str | None
    municipality: str | None
    role: str


class MeOut(BaseModel):
    username: str
    name: str
    title: str | None
    memberships: list[MembershipOut]


class TokenIn(Strict):
    name: Line = "API-token"
    expires_on: PlausibleDate | None = Field(default=None, description="valid through this day; none: until revoked")
    read_only: Flag = Field(default=False, description="only GET and HEAD; anything else answers 403")


class TokenOut(BaseModel):
    id: int
    name: str
    owner: str
    expires_on: date | None
    read_only: bool
    created_at: datetime


class TokenCreated(TokenOut):
    token: str = Field(description="the token itself: shown this once, only its hash is kept")


class MembershipIn(Strict):
    unit: Key
    role: Role


Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]


class UserIn(Strict):
    username: Username
    name: Line
    title: Line | None = None
    email: Annotated[str, Field(max_length=300, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    password: Annotated[str, Field(min_length=10, max_length=200)] | None = Field(
        default=None, description="none: the user signs in with tokens only")
    memberships: list[MembershipIn] = Field(min_length=1, max_length=50, description="units in your municipality")


class UserUpdate(Strict):
    active: Flag | None = Field(default=None, description="false stops the user's sessions and tokens at once")
    memberships: list[MembershipIn] | None = Field(
        default=None, max_length=50, description="replaces the memberships in the units you manage; others stay")


class UserOut(BaseModel):
    username: str
    name: str
    title: str | None
    email: str | None = None
    role: str
    active: bool
    memberships: list[MembershipOut] = Field(default_factory=list)


class PasswordChange(Strict):
    current: Annotated[str, Field(min_length=1, max_length=200)]
    new: Annotated[str, Field(min_length=10, max_length=200)]


class UnitIn(Strict):
    key: Key
    name: Line
    organisation: Key
    lead: Username | None = Field(default=None, description="the username of the unit's lead")


class UnitOut(BaseModel):
    key: str
    name: str
    organisation: str
    lead: str | None


class MailPreferences(Strict):
    off: list[str] = Field(default_factory=list, max_length=20, description="optional kinds turned off (see `optional`)")
    digest_only: Flag = Field(default=False, description="the 06:30 digest instead of the optional single messages")


class MailPreferencesOut(MailPreferences):
    optional: dict[str, str] = Field(description="the kinds that can be turned off, with what they are (Danish)")
