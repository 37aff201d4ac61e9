"""The one permission policy (issue 18): what each role may do, asserted exactly; a new role is a row here and in app/policy.py."""

import pytest
from sqlmodel import Session, select

from app import policy
from app.auth import service as auth_service
from app.models import Organisation, Role
from app.policy import Action
from tests.test_api_inquiries import _new

# role: the actions it may do. Changing a role's rights, or adding a role, changes this table.
EXPECTED = {
    # Allocation (and transfer, decline, deadlines) is the secretariat's: drafters, approvers and admins.
    Role.drafter: {Action.read, Action.draft, Action.allocate, Action.dispatch},
    Role.approver: {Action.read, Action.approve, Action.allocate, Action.oversee, Action.dispatch, Action.publish},
    Role.contributor: {Action.read},
    Role.admin: {Action.read, Action.draft, Action.allocate, Action.manage, Action.oversee, Action.dispatch,
                 Action.publish},
    Role.viewer: {Action.read, Action.oversee},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(role):
    # A member in `role` of organisation 1 (of municipality 7), which shares nothing with organisation 2.
    access = policy.Access(user_id=1, active=True, roles={1: frozenset({role})}, readable=frozenset({1}),
                           municipalities={7: "testby-kommune"})
    assert {a for a in Action if policy.may(access, a, 1)} == EXPECTED[role]
    assert {a for a in Action if policy.may(access, a)} == EXPECTED[role]  # "in any of theirs", for the menus
    assert not any(policy.may(access, a, 2) for a in Action)  # nothing in another organisation
    deactivated = policy.Access(user_id=1, active=False, roles=access.roles, readable=access.readable)
    assert not any(policy.may(deactivated, a, 1) for a in Action)  # a deactivated user may do nothing


def test_the_operator_may_only_operate_and_no_role_may():
    operator = policy.Access(user_id=1, active=True, operator=True)
    assert {a for a in Action if policy.may(operator, a)} == {Action.operate}
    assert not any(policy.may(operator, a, 1) for a in Action if a != Action.operate)  # reads no organisation's work
    assert not policy.may(policy.Access(user_id=1, active=False, operator=True), Action.operate)


def test_a_viewer_reads_and_changes_nothing(api, web, seeded):
    with Session(seeded) as session:
        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        auth_service.add_user(session, username="borgmester", role="viewer", name="Borgmesterens kontor",
                              password="en-god-adgangskode", organisation_id=kk.id)
        token = auth_service.create_token(session, username="borgmester")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/inquiries", headers=headers).status_code == 200
    r = api.client.post("/api/v1/inquiries", headers=headers, json=_new())
    assert r.status_code == 403 and "requires role admin or drafter in one of your units" in r.json()["detail"]
    c = web()
    assert c.post("/login", data={"username": "borgmester", "password": "en-god-adgangskode"}, follow_redirects=False).status_code == 303
    inbox = c.get("/indbakke")
    assert inbox.status_code == 200 and "Læseadgang" in inbox.text and "Ny henvendelse" not in inbox.text
    assert c.get("/henvendelser/ny").status_code == 403
