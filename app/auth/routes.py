"""HTTP API of accounts: /api/v1/me, /api/v1/tokens, /api/v1/users."""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlmodel import col, select

from app import policy
from app.auth import service as auth_service
from app.auth.deps import Admin, CurrentUser
from app.auth.schemas import MembershipOut, MeOut, TokenCreated, TokenIn, TokenOut, UserOut, UserUpdate
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, NotFound
from app.fields import IdPath
from app.models import ApiToken, User
from app.organisations import structure
from app.policy import Action
from app.routing import SessionRoute

Username = Annotated[str, Path(min_length=1, max_length=100)]
router = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["accounts"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=MeOut)
def me(session: SessionDep, user: CurrentUser) -> MeOut:
    """Who the token belongs to, and where they work."""
    places = structure.memberships(session, user.id)
    return MeOut(username=user.username, name=user.name, title=user.title,
                 memberships=[MembershipOut(unit=p.unit, organisation=p.organisation, municipality=p.municipality, role=p.role)
                              for p in places])


def _token_out(token: ApiToken, owner: str) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, owner=owner, expires_on=token.expires_on, read_only=token.read_only,
                    created_at=token.created_at)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: SessionDep, user: CurrentUser) -> list[TokenOut]:
    """The caller's tokens that are not revoked; an admin sees everyone's."""
    return [_token_out(t, owner) for t, owner in auth_service.tokens_of(session, user=user, everyone=policy.may(user, Action.manage))]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(body: TokenIn, session: SessionDep, user: CurrentUser) -> TokenCreated:
    """A new token for the caller; the token itself is in this answer only."""
    row, token = auth_service.issue_token(session, username=user.username, name=body.name, expires_on=body.expires_on,
                                          read_only=body.read_only)
    return TokenCreated(**_token_out(row, user.username).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke a token at once: the caller's own, or any for an admin; another's is not found."""
    auth_service.revoke_token(session, token_id=token_id, user=user, everyone=policy.may(user, Action.manage))
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, _admin: Admin) -> list[UserOut]:
    """Every user (admins only)."""
    return [_user_out(u) for u in session.exec(select(User).order_by(col(User.username)))]


@router.patch("/users/{username}", response_model=UserOut)
def update_user(username: Username, body: UserUpdate, session: SessionDep, admin: Admin) -> UserOut:
    """Deactivate (or reactivate) a user; a deactivated user's sessions and tokens stop at once."""
    if body.active is not None:
        return _user_out(auth_service.set_active(session, username=username, active=body.active, by=admin.username))
    user = session.exec(select(User).where(col(User.username) == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return _user_out(user)


def _user_out(user: User) -> UserOut:
    return UserOut(username=user.username, name=user.name, title=user.title, role=user.role, active=user.is_active)
