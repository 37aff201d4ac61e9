"""Accounts and tokens (issue 18): named tokens with an expiry and a scope, revoked and deactivated at once."""

import re
from datetime import UTC, datetime

import time_machine
from sqlmodel import Session, select

from app.models import AuditEntry
from tests.conftest import PASSWORD
from tests.test_api_inquiries import _new
from tests.test_bank_import import _besvar


def _token(api, role="drafter", **body) -> dict:
    r = api.post("/api/v1/tokens", role=role, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _as(api, token: str, method: str, url: str, **kw):
    return api.client.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw)


def test_a_named_token_is_listed_without_its_secret_and_stops_when_revoked(api):
    made = _token(api, name="ESDH-integration", expires_on="2099-12-31")
    assert made["token"].startswith("bsv_") and made["name"] == "ESDH-integration" and made["owner"] == "test-drafter"
    listed = api.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed if t["id"] == made["id"]] == ["ESDH-integration"]
    assert all("token" not in t for t in listed)
    assert _as(api, made["token"], "GET", "/api/v1/inquiries").status_code == 200
    # Another drafter's token is not found, not forbidden: its id is not confirmed.
    assert api.client.delete(f"/api/v1/tokens/{made['id']}", headers=api.headers("approver")).status_code == 404
    assert api.client.delete(f"/api/v1/tokens/{made['id']}", headers=api.headers()).status_code == 204
    r = _as(api, made["token"], "GET", "/api/v1/inquiries")
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert made["id"] not in [t["id"] for t in api.get("/api/v1/tokens").json()]
    assert api.client.delete(f"/api/v1/tokens/{made['id']}", headers=api.headers()).status_code == 404
    # An admin sees and revokes anyone's.
    other = _token(api, role="approver", name="Direktørens")
    assert other["id"] in [t["id"] for t in api.get("/api/v1/tokens", role="admin").json()]
    assert api.client.delete(f"/api/v1/tokens/{other['id']}", headers=api.headers("admin")).status_code == 204
    assert _as(api, other["token"], "GET", "/api/v1/me").status_code == 401


def test_a_read_only_token_reads_and_writes_nothing(api):
    token = _token(api, name="Rapporter", read_only=True)["token"]
    assert _as(api, token, "GET", "/api/v1/inquiries").status_code == 200
    before = api.get("/api/v1/inquiries").json()["total"]
    r = _as(api, token, "POST", "/api/v1/inquiries", json=_new())
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert api.get("/api/v1/inquiries").json()["total"] == before
    assert _as(api, token, "POST", "/api/v1/tokens", json={}).status_code == 403


def test_a_token_expires_after_its_last_day(api):
    with time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=UTC)):
        token = _token(api, expires_on="2030-03-02")["token"]
        assert _as(api, token, "GET", "/api/v1/me").status_code == 200
    with time_machine.travel(datetime(2030, 3, 2, 22, 30, tzinfo=UTC)):  # 23.30 in Copenhagen: still the 2nd
        assert _as(api, token, "GET", "/api/v1/me").status_code == 200
    with time_machine.travel(datetime(2030, 3, 2, 23, 30, tzinfo=UTC)):  # 00.30 on the 3rd
        assert _as(api, token, "GET", "/api/v1/me").status_code == 401
    assert api.post("/api/v1/tokens", json={"expires_on": "2020-01-01"}).status_code == 422


def test_a_deactivated_user_is_stopped_at_once_and_it_is_in_the_history(api, web, seeded):
    assert api.get("/api/v1/me").json()["username"] == "test-drafter"
    page = web("drafter")
    assert page.get("/indbakke", follow_redirects=False).status_code == 200
    assert api.client.patch("/api/v1/users/test-drafter", headers=api.headers("drafter"),
                            json={"active": False}).status_code == 403
    assert api.client.patch("/api/v1/users/ingen", headers=api.headers("admin"), json={"active": False}).status_code == 404
    r = api.client.patch("/api/v1/users/test-drafter", headers=api.headers("admin"), json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.get("/api/v1/me").status_code == 401
    r = api.client.patch("/api/v1/users/web-drafter", headers=api.headers("admin"), json={"active": False})
    assert r.status_code == 200
    assert page.get("/indbakke", follow_redirects=False).headers["location"].startswith("/login")
    with Session(seeded) as session:
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor == "test-admin"))]
    assert actions.count("user.deactivate") == 2
    assert api.client.patch("/api/v1/users/test-drafter", headers=api.headers("admin"), json={"active": True}).status_code == 200
    assert api.get("/api/v1/me").status_code == 200


def test_the_command_line_makes_revokes_and_deactivates(api, database_url):
    made = _besvar(["token", "create", "test-drafter", "--name", "Robot", "--expires", "2099-01-01", "--read-only"], database_url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert _as(api, token, "GET", "/api/v1/me").status_code == 200
    assert _as(api, token, "POST", "/api/v1/inquiries", json=_new()).status_code == 403
    listed = [t for t in api.get("/api/v1/tokens").json() if t["name"] == "Robot"]
    assert listed and listed[0]["read_only"] and listed[0]["expires_on"] == "2099-01-01"
    bad = _besvar(["token", "create", "test-drafter", "--expires", "1. januar"], database_url)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    assert _besvar(["token", "revoke", str(listed[0]["id"])], database_url).returncode == 0
    assert _as(api, token, "GET", "/api/v1/me").status_code == 401
    assert _besvar(["token", "revoke", str(listed[0]["id"])], database_url).returncode == 2
    assert _besvar(["user", "deactivate", "test-approver"], database_url).returncode == 0
    assert api.get("/api/v1/me", role="approver").status_code == 401
    assert _besvar(["user", "deactivate", "ingen"], database_url).returncode == 2
    # A user with memberships: a drafter of Copenhagen's and an approver of Aalborg's.
    added = _besvar(["user", "add", "bo", "--role", "drafter", "--name", "Bo", "--unit", "kk-bif",
                     "--unit", "aalborg-fb:approver", "--email", "bo@kk.dk"], database_url)
    assert added.returncode == 0, added.stderr
    bo = _besvar(["token", "create", "bo"], database_url).stdout.strip()
    assert {(m["unit"], m["role"]) for m in _as(api, bo, "GET", "/api/v1/me").json()["memberships"]} == {
        ("kk-bif", "drafter"), ("aalborg-fb", "approver")}
    unknown = _besvar(["user", "add", "eva", "--role", "drafter", "--name", "Eva", "--unit", "findes-ikke"], database_url)
    assert unknown.returncode == 2 and "no unit 'findes-ikke'" in unknown.stderr
    nowhere = _besvar(["user", "add", "ulla", "--role", "drafter", "--name", "Ulla"], database_url)
    assert nowhere.returncode == 0 and "a member of no unit yet" in nowhere.stderr


def test_an_admin_adds_a_user_with_memberships_in_the_municipality_only(api, seeded):
    body = {"username": "marie", "name": "Marie Madsen", "email": "marie@kk.dk", "password": "en-lang-adgangskode",
            "memberships": [{"unit": "kk-bif", "role": "drafter"}]}
    r = api.post("/api/v1/users", role="admin", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["memberships"] == [{"unit": "kk-bif", "organisation": "kk-bif", "municipality": "Københavns Kommune",
                                        "role": "drafter"}]
    # Marie drafts for Copenhagen and sees nothing of Aalborg's.
    with Session(seeded) as session:
        from app.auth import service as auth_service

        marie = auth_service.create_token(session, username="marie")
    inquiries = _as(api, marie, "GET", "/api/v1/inquiries").json()["items"]
    assert {i["organisation"]["key"] for i in inquiries} == {"kk-bif"}
    assert _as(api, marie, "GET", "/api/v1/me").json()["memberships"][0]["unit"] == "kk-bif"
    # A unit of another municipality is unknown to an admin who is not its own; a drafter adds no one.
    with Session(seeded) as session:
        from app.auth import service as auth_service
        from app.models import Organisation

        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        auth_service.add_user(session, username="kk-admin", role="admin", name="KK Admin", organisation_id=kk.id)
        kk_admin = auth_service.create_token(session, username="kk-admin")
    r = _as(api, kk_admin, "POST", "/api/v1/users", json=body | {"username": "arne", "memberships": [{"unit": "aalborg-fb", "role": "drafter"}]})
    assert r.status_code == 422 and "aalborg-fb" in r.text
    assert api.post("/api/v1/users", json=body | {"username": "x"}).status_code == 403
    # Copenhagen's admin moves Marie to approver; Aalborg's users are not theirs to list or change.
    r = _as(api, kk_admin, "PATCH", "/api/v1/users/marie", json={"memberships": [{"unit": "kk-bif", "role": "approver"}]})
    assert r.status_code == 200 and [m["role"] for m in r.json()["memberships"]] == ["approver"]
    assert "marie" in {u["username"] for u in _as(api, kk_admin, "GET", "/api/v1/users").json()}
    with Session(seeded) as session:
        aalborg = session.exec(select(Organisation).where(Organisation.key == "aalborg-fb")).one()
        auth_service.add_user(session, username="aal-drafter", role="drafter", name="A", organisation_id=aalborg.id)
    assert "aal-drafter" not in {u["username"] for u in _as(api, kk_admin, "GET", "/api/v1/users").json()}
    assert _as(api, kk_admin, "PATCH", "/api/v1/users/aal-drafter", json={"active": False}).status_code == 404
    # Units: an admin adds one to their organisation; none to another municipality's.
    r = _as(api, kk_admin, "POST", "/api/v1/units", json={"key": "kk-jobcenter-sekretariat", "name": "Jobcenter Sekretariat",
                                                           "organisation": "kk-bif", "lead": "marie"})
    assert r.status_code == 201 and r.json()["lead"] == "marie"
    assert _as(api, kk_admin, "POST", "/api/v1/units", json={"key": "x", "name": "X", "organisation": "aalborg-fb"}).status_code == 422
    assert "kk-jobcenter-sekretariat" in {u["key"] for u in _as(api, marie, "GET", "/api/v1/units").json()}


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(api, web, seeded):
    other_browser, here = web("drafter"), web("drafter")
    page = here.get("/konto")
    assert page.status_code == 200 and "Skift adgangskode" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    wrong = here.post("/konto/adgangskode", data={"csrf": csrf, "current": "forkert", "new": "ny-og-lang-kode", "again": "ny-og-lang-kode"})
    assert wrong.status_code == 422 and "nuværende adgangskode er forkert" in wrong.text
    short = here.post("/konto/adgangskode", data={"csrf": csrf, "current": PASSWORD, "new": "kort", "again": "kort"})
    assert short.status_code == 422 and "mindst 10 tegn" in short.text
    done = here.post("/konto/adgangskode", data={"csrf": csrf, "current": PASSWORD, "new": "ny-og-lang-kode",
                                                 "again": "ny-og-lang-kode"}, follow_redirects=False)
    assert done.status_code == 303 and here.get("/indbakke", follow_redirects=False).status_code == 200
    assert other_browser.get("/indbakke", follow_redirects=False).headers["location"].startswith("/login")
    fresh = web()
    assert fresh.post("/login", data={"username": "web-drafter", "password": PASSWORD}, follow_redirects=False).status_code == 401
    assert fresh.post("/login", data={"username": "web-drafter", "password": "ny-og-lang-kode"}, follow_redirects=False).status_code == 303
    # And by the API.
    r = api.post("/api/v1/me/password", json={"current": "forkert", "new": "endnu-en-lang-kode"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "current"]
