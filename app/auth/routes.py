"""HTTP API of accounts: /api/v1/me, /api/v1/tokens, /api/v1/users, /api/v1/units."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app import policy
from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.deps import Admin, CurrentUser
from app.auth.schemas import (
    MailPreferences,
    MailPreferencesOut,
    MembershipOut,
    MeOut,
    PasswordChange,
    TokenCreated,
    TokenIn,
    TokenOut,
    UnitIn,
    UnitOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, Invalid
from app.fields import IdPath
from app.mail import preferences
from app.models import ApiToken, User
from app.organisations import service as organisation_service
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


@router.get("/me/mail", response_model=MailPreferencesOut)
def mail_preferences(user: CurrentUser) -> MailPreferencesOut:
    """What mail you get: the optional kinds you turned off, and whether the digest replaces them."""
    return MailPreferencesOut(off=list(user.mail_off or []), digest_only=user.mail_digest_only, optional=preferences.OPTIONAL)


@router.put("/me/mail", response_model=MailPreferencesOut)
def change_mail_preferences(body: MailPreferences, session: SessionDep, user: CurrentUser) -> MailPreferencesOut:
    """Turn optional mail off or on; what you must act on always comes."""
    unknown = sorted(set(body.off) - set(preferences.OPTIONAL))
    if unknown:
        raise Invalid(f"not a kind that can be turned off: {', '.join(unknown)}", field="off")
    preferences.change(session, user, off=body.off, digest_only=body.digest_only)
    session.commit()
    return mail_preferences(user)


def _token_out(token: ApiToken, owner: str) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, owner=owner, expires_on=token.expires_on, read_only=token.read_only,
                    created_at=token.created_at)


@router.post("/me/password", status_code=204, response_class=Response)
def change_password(body: PasswordChange, session: SessionDep, user: CurrentUser) -> Response:
    """Change one's own password (the current one proves it is you); other browser sessions end."""
    auth_service.change_password(session, user=user, current=body.current, new=body.new)
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: SessionDep, user: CurrentUser) -> list[TokenOut]:
    """The caller's tokens that are not revoked; an admin sees those of their municipality's users too."""
    return [_token_out(t, owner) for t, owner in auth_service.tokens_of(session, user=user)]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(body: TokenIn, session: SessionDep, user: CurrentUser) -> TokenCreated:
    """A new token for the caller; the token itself is in this answer only."""
    row, token = auth_service.issue_token(session, username=user.username, name=body.name, expires_on=body.expires_on,
                                          read_only=body.read_only)
    return TokenCreated(**_token_out(row, user.username).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke a token at once: the caller's own, or an admin's municipality's; any other is not found."""
    auth_service.revoke_token(session, token_id=token_id, user=user)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, admin: Admin) -> list[UserOut]:
    """The users of the admin's municipality, with their memberships."""
    return [_user_out(session, u) for u in auth_service.managed(session, admin)]


@router.post("/users", status_code=201, response_model=UserOut)
def add_user(body: UserIn, session: SessionDep, admin: Admin) -> UserOut:
    """A new user with memberships in units of the admin's municipality; without a password, tokens only."""
    first = body.memberships[0].role
    user = auth_service.add_user(session, username=body.username, role=first, name=body.name, title=body.title,
                                 email=body.email, password=body.password, by=admin,
                                 units=[(m.unit, m.role) for m in body.memberships])
    return _user_out(session, user)


@router.patch("/users/{username}", response_model=UserOut)
def update_user(username: Username, body: UserUpdate, session: SessionDep, admin: Admin) -> UserOut:
    """Deactivate (or reactivate) a user, or set their memberships in the admin's units; a deactivated user's
    sessions and tokens stop at once. A user outside the admin's municipality is not found."""
    if body.memberships is not None:
        auth_service.set_memberships(session, username=username, units=[(m.unit, m.role) for m in body.memberships], by=admin)
    if body.active is not None:
        auth_service.set_active(session, username=username, active=body.active, by=admin)
    return _user_out(session, auth_service.managed_user(session, username, admin))


@router.get("/units", response_model=list[UnitOut])
def list_units(session: SessionDep, user: CurrentUser) -> list[UnitOut]:
    """The units of the organisations the caller may read."""
    return [UnitOut(**vars(u)) for u in structure.units(session, policy.readable(policy.access(session, user)))]


@router.post("/units", status_code=201, response_model=UnitOut)
def add_unit(body: UnitIn, session: SessionDep, admin: Admin) -> UnitOut:
    """A new unit of an organisation the admin manages."""
    org = organisation_service.resolve(session, key=body.organisation, user=admin, action=Action.manage)
    unit = structure.add_unit(session, key=body.key, name=body.name, organisation_id=org.id, lead=body.lead)
    audit.record(session, actor=admin.username, action="unit.add", detail={"key": body.key, "organisation": org.key})
    session.commit()
    return UnitOut(**vars(unit))


def _user_out(session, user: User) -> UserOut:
    places = structure.memberships(session, user.id)
    return UserOut(username=user.username, name=user.name, title=user.title, email=user.email, role=user.role,
                   active=user.is_active,
                   memberships=[MembershipOut(unit=p.unit, organisation=p.organisation, municipality=p.municipality, role=p.role)
                                for p in places])
