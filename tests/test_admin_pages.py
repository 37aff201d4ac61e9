"""Issue 22: a municipality's admin manages its users, their units and roles, and their tokens in the browser —
and from the other municipality sees and touches nothing."""

import re

from sqlmodel import Session, select

from app.auth import service as auth_service
from app.db import make_engine
from app.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.test_isolation import world  # noqa: F401 - the fixture: Copenhagen's two forvaltninger and Aalborg
from tests.test_web import csrf_of


def _token(world, username: str) -> tuple[int, str]:
    engine = make_engine(world.url)
    with Session(engine) as session:
        row, token = auth_service.issue_token(session, username=username, name="Regneark")
        return row.id, token


def test_an_admin_sees_and_manages_the_users_and_tokens_of_their_municipality_only(world):  # noqa: F811
    admin = world.browser("admin")
    page = admin.get("/admin/brugere")
    assert page.status_code == 200
    assert "kk-bif-target" in page.text and "kk-suf-target" in page.text  # both Copenhagen forvaltninger
    assert "aalborg-fb-target" not in page.text and not re.search(r"aalborg-fb-seed", page.text)
    assert world.browser("drafter").get("/admin/brugere").status_code == 403
    # And from the other municipality: Aalborg's token is not found, and keeps working.
    theirs, their_token = _token(world, "aalborg-fb-target")
    api = world.api()
    refused = admin.post(f"/admin/tokens/{theirs}/tilbagekald", data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert refused.status_code == 404
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {their_token}"}).status_code == 200
    ours, our_token = _token(world, "kk-suf-target")
    assert "Regneark" in admin.get("/admin/brugere").text
    done = admin.post(f"/admin/tokens/{ours}/tilbagekald", data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/brugere?ok=token"
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {our_token}"}).status_code == 401
    # Closing an account stops its token at once; opening it again brings the user back.
    _, token = _token(world, "kk-bif-target")
    closed = admin.post("/admin/brugere/kk-bif-target/aktiv", data={"csrf": csrf_of(admin), "active": "nej"},
                        follow_redirects=False)
    assert closed.status_code == 303 and "lukket" in closed.headers["location"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Lukket" in admin.get("/admin/brugere").text
    assert admin.post("/admin/brugere/aalborg-fb-target/aktiv", data={"csrf": csrf_of(admin), "active": "nej"},
                      follow_redirects=False).status_code == 404


def test_a_new_user_is_made_in_the_browser_and_every_mistake_is_said_in_danish_keeping_what_was_typed(world):  # noqa: F811
    admin = world.browser("admin")

    def new(**fields):
        data = {"csrf": csrf_of(admin), "username": "mette.m", "name": "Mette Madsen", "email": "mette@kk.dk",
                "unit": "kk-bif", "role": "drafter", "password": PASSWORD} | fields
        return admin.post("/admin/brugere", data=data, follow_redirects=False)

    for fields, says in (({"username": "Åse Ø"}, "Tjek brugernavnet"), ({"password": "kort"}, "Tjek adgangskoden"),
                         ({"email": "ikke-en-adresse"}, "Tjek mailadressen"), ({"name": ""}, "Tjek navnet"),
                         ({"username": "kk-drafter"}, "Brugernavnet findes allerede"),
                         ({"unit": "aalborg-fb"}, "Vælg en enhed i din kommune"), ({"role": "borgmester"}, "Vælg en enhed")):
        r = new(**fields)
        assert r.status_code == 422 and says in r.text, (fields, r.status_code)
        assert 'value="Mette Madsen"' in r.text or fields.get("name") == ""  # what was typed is still there
    made = new()
    assert made.status_code == 303 and made.headers["location"] == "/admin/brugere?ok=ny"
    # She logs in with the password the admin gave, works in the unit given, and the trail says who made her.
    mette = world.browser("admin")
    mette.cookies.clear()
    assert mette.post("/login", data={"username": "mette.m", "password": PASSWORD}, follow_redirects=False).status_code == 303
    assert "Direktionen (Københavns Kommune): Sekretariat" in mette.get("/konto").text
    # Given a second role and the first taken away, in one save.
    saved = admin.post("/admin/brugere/mette.m/enheder", data={"csrf": csrf_of(admin), "unit": "kk-suf", "role": "approver"},
                       follow_redirects=False)
    assert saved.status_code == 303
    engine = make_engine(world.url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "mette.m")).one()
        from app.organisations import structure

        assert [(p.unit, p.role) for p in structure.memberships(session, user.id)] == [("kk-suf", "approver")]
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor == "kk-admin"))]
        assert "user.add" in actions and "user.memberships" in actions
