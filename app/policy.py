"""Who may do what: the one place that maps roles to actions. API, pages, templates, CLI and services ask it.

Adding a role is one line in ALLOWED (and its row in tests/test_policy.py). Which organisation's
objects a user may touch comes with the organisations issue's isolation, here as well.
"""

from enum import StrEnum

from app.models import Role, User


class Action(StrEnum):
    read = "read"  # open inquiries, letters, the library, the history
    draft = "draft"  # register and correct inquiries, write and submit letters, edit the library, import
    approve = "approve"  # approve or return a submitted letter
    manage = "manage"  # users, their tokens and memberships


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.read: frozenset(Role),
    Action.draft: frozenset({Role.drafter, Role.admin}),
    Action.approve: frozenset({Role.approver}),
    Action.manage: frozenset({Role.admin}),
}


def may(user: User, action: Action | str) -> bool:
    """Whether `user` may do `action` (an active user in a role the action allows)."""
    return user.is_active and user.role in ALLOWED[Action(action)]


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may do `action`, for queries such as "who can draft"."""
    return ALLOWED[action]
