"""API shapes of accounts: who am I, API tokens, users' state."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.fields import Flag, Line, PlausibleDate, Strict


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


class UserUpdate(Strict):
    active: Flag | None = Field(default=None, description="false stops the user's sessions and tokens at once")


class UserOut(BaseModel):
    username: str
    name: str
    title: str | None
    role: str
    active: bool
