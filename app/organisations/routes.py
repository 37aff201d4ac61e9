"""GET /api/v1/organisations."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.organisations import service as organisation_service
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/organisations", tags=["organisations"], responses=ERROR_RESPONSES)


class OrganisationOut(BaseModel):
    id: int
    key: str
    municipality: str
    name: str
    unit: str | None
    street: str | None
    postcode: str | None
    city: str | None
    phone: str | None
    web: str | None
    email: str | None
    deadline_days: int
    esdh_systems: list[str]


@router.get("", response_model=list[OrganisationOut])
def list_organisations(session: SessionDep, user: CurrentUser):
    """The organisations the caller may read, with their letterhead data."""
    return organisation_service.list_all(session, user)
