"""The one permission policy (issue 18): what each role may do, asserted exactly; a new role is a row here and in app/policy.py."""

import pytest
from sqlmodel import Session

from app import policy
from app.auth import service as auth_service
from app.models import Role, User
from app.policy import Action
from tests.test_api_inquiries import _new

# role: the actions it may do. Changing a role's rights, or adding a role, changes this table.
EXPECTED = {
    Role.drafter: {Action.read, Action.draft},
    Role.approver: {Action.read, Action.approve},
    Role.contributor: {Action.read},
    Role.admin: {Action.read, Action.draft, Action.manage},
    Role.viewer: {Action.read},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(role):
    user = User(username="x", name="X", role=role)
    assert {a for a in Action if policy.may(user, a)} == EXPECTED[role]
    user.is_active = False
    assert not any(policy.may(user, a) for a in Action)  # a deactivated user may do nothing


def test_a_viewer_reads_and_changes_nothing(api, web, seeded):
    with Session(seeded) as session:
        auth_service.add_user(session, username="borgmester", role="viewer", name="Borgmesterens kontor", password="en-god-adgangskode")
        token = auth_service.create_token(session, username="borgmester")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/inquiries", headers=headers).status_code == 200
    r = api.client.post("/api/v1/inquiries", headers=headers, json=_new())
    assert r.status_code == 403 and "requires role admin or drafter" in r.json()["detail"]
    c = web()
    assert c.post("/login", data={"username": "borgmester", "password": "en-god-adgangskode"}, follow_redirects=False).status_code == 303
    inbox = c.get("/indbakke")
    assert inbox.status_code == 200 and "Læseadgang" in inbox.text and "Ny henvendelse" not in inbox.text
    assert c.get("/henvendelser/ny").status_code == 403
