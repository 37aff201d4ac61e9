"""Request dependencies: the current user from a Bearer token, role checks."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import policy
from app.auth import service as auth_service
from app.db import SessionDep, read_connection
from app.errors import Forbidden, Unauthorized
from app.models import User
from app.policy import Action

_bearer = HTTPBearer(auto_error=False, description="an API token from `besvar token create`")


def current_user(
    request: Request, session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user behind the Bearer token; 401 without a valid one, 403 for a read-only token on anything but a read."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing Bearer token")
    with read_connection(session) as conn:
        found = auth_service.user_for_token(conn, credentials.credentials)
        if found is None:
            raise Unauthorized("invalid, expired or revoked token, or the user is deactivated")
        user, read_only = found
        # Loaded with the user, in the same connection: every service of the request asks it.
        policy.remember(session, policy.load(conn, user))
    if read_only and request.method not in ("GET", "HEAD"):
        raise Forbidden("this token is read-only")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(action: Action):
    """A dependency that lets through only users the policy allows `action` (403 for the others)."""

    # Async: current_user has loaded the access, so the check touches no database and need not wait for a worker thread.
    async def check(user: CurrentUser, session: SessionDep) -> User:
        if not policy.may(policy.access(session, user), action):
            allowed = " or ".join(sorted(policy.roles_for(action)))
            raise Forbidden(f"requires role {allowed} in one of your units")
        return user

    return Depends(check)


Writer = Annotated[User, require(Action.draft)]
Admin = Annotated[User, require(Action.manage)]
