"""API shapes of dispatch (issue 23)."""

from typing import Annotated

from pydantic import Field, StrictBool

from app.fields import IsoDate, Line, Strict
from app.models import DispatchChannel

Email = Annotated[str, Field(max_length=300, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class DispatchIn(Strict):
    channel: DispatchChannel = Field(description="email: Besvar sends it, the PDF attached; digital_post: sent by the "
                                                 "ESDH; print: printed and posted")
    sent_on: IsoDate | None = Field(default=None, description="the day it was sent; default today (e-mail: always today)")
    to_name: Line | None = Field(default=None, description="default the letter's recipient")
    to_address: Email | None = Field(default=None, description="e-mail only; default the letter's recipient e-mail")
    copy_to_council: StrictBool | Line | None = Field(
        default=None, description="true: a copy by e-mail to the whole council; a name: to that list (a committee)")


class CopyOut(Strict):
    name: str
    email: str | None


class DispatchOut(Strict):
    letter_id: int
    channel: DispatchChannel
    sent_on: str
    to_name: str | None
    to_address: str | None
    council_list: str | None
    copies: list[CopyOut]
    by: str | None
