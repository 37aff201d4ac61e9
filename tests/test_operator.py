"""Issue 22: a municipality from nothing in the browser — the operator who runs Besvar creates it with its first
forvaltning and admin, and reads none of any municipality's work — and a municipality's own synonym groups, which
widen its searches only."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.db import make_engine
from app.models import AuditEntry, Membership, Municipality, Organisation, SynonymGroup, Unit, User
from tests.conftest import PASSWORD
from tests.test_isolation import world  # noqa: F401 - the fixture: Copenhagen's two forvaltninger and Aalborg
from tests.test_web import csrf_of

UDBY = {"name": "Udby Kommune", "key": "", "org_name": "Borgmesterens Forvaltning", "org_key": "", "deadline_days": "8",
        "admin_username": "ulla.udby", "admin_name": "Ulla Udby", "admin_email": "ulla@udby.dk", "admin_password": PASSWORD}


def _login(world, username: str) -> TestClient:
    return world.browser("", username=username)


@pytest.fixture(scope="module")
def people(world):  # noqa: F811
    """The operator, and an admin of Aalborg's (the other municipality)."""
    with Session(make_engine(world.url)) as session:
        auth_service.add_user(session, username="drift", role="operator", name="Dorte Drift", password=PASSWORD, operator=True)
        aalborg = session.exec(select(Organisation).where(Organisation.key == "aalborg-fb")).one()
        auth_service.add_user(session, username="aalborg-admin", role="admin", name="Aalborgs admin", password=PASSWORD,
                              organisation_id=aalborg.id)
    return world


def test_the_operator_creates_a_municipality_whose_admin_then_signs_in_and_sees_only_it(people):
    world = people
    operator = _login(world, "drift")
    assert operator.get("/indbakke", follow_redirects=False).headers["location"] == "/admin/kommuner"
    listing = operator.get("/admin/kommuner")
    assert listing.status_code == 200 and "Københavns Kommune" in listing.text and "Aalborg Kommune" in listing.text
    made = operator.post("/admin/kommuner", data={"csrf": csrf_of(operator), **UDBY}, follow_redirects=False)
    assert made.status_code == 303, made.text
    assert "Udby Kommune er oprettet" in operator.get(made.headers["location"]).text
    with Session(make_engine(world.url)) as session:
        udby = session.exec(select(Municipality).where(Municipality.name == "Udby Kommune")).one()
        org = session.exec(select(Organisation).where(Organisation.municipality_id == udby.id)).one()
        assert (udby.key, org.key, org.name, org.deadline_days) == ("udby-kommune", "udby-kommune-borgmesterens-forvaltning",
                                                                    "Borgmesterens Forvaltning", 8)
        admin = session.exec(select(User).where(User.username == "ulla.udby")).one()
        roles = session.exec(select(Membership.role).join(Unit).where(Membership.user_id == admin.id,
                                                                      Unit.organisation_id == org.id)).all()
        assert roles == ["admin"] and not admin.operator
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "municipality.add")).one()
        assert entry.actor == "drift" and entry.detail["admin"] == "ulla.udby"
    # The new admin: their municipality only, none of Copenhagen's or Aalborg's.
    ulla = _login(world, "ulla.udby")
    settings = ulla.get("/admin/kommune")
    assert settings.status_code == 200 and "Borgmesterens Forvaltning" in settings.text
    assert "Beskæftigelses- og Integrationsforvaltningen" not in settings.text and "Aalborg" not in settings.text
    assert "kk-bif" not in ulla.get("/admin/brugere").text
    assert ulla.get("/admin/kommuner").status_code == 403  # an admin does not make municipalities
    # The operator reads no municipality's work: no inquiries, no admin pages, no letters.
    assert operator.get("/admin/kommune").status_code == 403 and operator.get("/admin/brugere").status_code == 403
    assert operator.get("/henvendelser/ny").status_code == 403
    assert operator.get(f"/henvendelser/{world.objects['own'].inquiry}").status_code == 404
    with Session(make_engine(world.url)) as session:
        token = auth_service.create_token(session, username="drift")
    api = world.api()
    assert api.get("/api/v1/inquiries", headers={"Authorization": f"Bearer {token}"}).json()["items"] == []


@pytest.mark.parametrize(("fields", "says"), [
    ({"name": ""}, "Skriv kommunens navn"),
    ({"key": "Udby Kommune!"}, "Kommunens nøgle"),
    ({"name": "Københavns Kommune"}, "Kommunen findes allerede"),
    ({"org_key": "kk-bif"}, "Forvaltningens nøgle er brugt før"),
    ({"org_name": ""}, "Skriv forvaltningens navn"),
    ({"deadline_days": "0"}, "Svarfristen skal være"),
    ({"admin_username": "Åse Ø"}, "Administratorens brugernavn"),
    ({"admin_username": "kk-drafter"}, "Brugernavnet findes allerede"),
    ({"admin_email": "ikke-en-adresse"}, "administratorens mailadresse"),
    ({"admin_password": "kort"}, "mindst 10 tegn"),
    ({"admin_password": ""}, "mindst 10 tegn"),
])
def test_every_mistake_creating_a_municipality_is_said_in_danish_and_nothing_is_kept(people, fields, says):
    world = people
    operator = _login(world, "drift")
    engine = make_engine(world.url)
    with Session(engine) as session:
        before = (len(session.exec(select(Municipality)).all()), len(session.exec(select(Organisation)).all()),
                  len(session.exec(select(User)).all()))
    data = {**UDBY, "name": "Vestby Kommune", "admin_username": "vera.vestby", **fields}
    r = operator.post("/admin/kommuner", data={"csrf": csrf_of(operator), **data})
    assert r.status_code == 422 and says in r.text, r.text[-2000:]
    assert f'value="{data["org_name"]}"' in r.text  # what was typed is kept (the password is not)
    with Session(engine) as session:
        assert (len(session.exec(select(Municipality)).all()), len(session.exec(select(Organisation)).all()),
                len(session.exec(select(User)).all())) == before


def _suggested(world, token: str, q: str) -> list[str]:
    r = world.api().get("/api/v1/suggestions", params={"q": q}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return [i["title"] for i in r.json()["items"]]


def test_a_municipalitys_own_synonyms_widen_its_searches_and_no_one_elses(people):
    world = people
    kk_admin, aalborg_admin = world.browser("admin"), _login(world, "aalborg-admin")
    with Session(make_engine(world.url)) as session:
        aalborg_token = auth_service.create_token(session, username="aalborg-admin")
    query = "BIF"  # "BIF": Copenhagen's own abbreviation, in no paragraph
    assert _suggested(world, world.tokens["drafter"], query) == []
    page = kk_admin.get("/admin/synonymer")
    assert page.status_code == 200 and "ME · ME/CFS" in page.text  # the bank's groups, shown, not theirs to delete
    bad = kk_admin.post("/admin/synonymer", data={"csrf": csrf_of(kk_admin), "municipality": "koebenhavns-kommune",
                                                  "terms": "BIF"})
    assert bad.status_code == 422 and "Skriv 2–50 ord" in bad.text and ">BIF</textarea>" in bad.text
    only_stop_words = kk_admin.post("/admin/synonymer", data={"csrf": csrf_of(kk_admin), "municipality": "koebenhavns-kommune",
                                                              "terms": "BIF, og i"})
    assert only_stop_words.status_code == 422
    made = kk_admin.post("/admin/synonymer", data={"csrf": csrf_of(kk_admin), "municipality": "koebenhavns-kommune",
                                                   "terms": "BIF\njobcenter"}, follow_redirects=False)
    assert made.status_code == 303
    found = _suggested(world, world.tokens["drafter"], query)
    assert found, "the own group did not widen Copenhagen's query"
    assert _suggested(world, aalborg_token, query) == []  # Aalborg's search is as it was
    # And from the other municipality: Aalborg's admin neither sees nor deletes it, nor adds to Copenhagen's.
    assert "BIF" not in aalborg_admin.get("/admin/synonymer").text
    with Session(make_engine(world.url)) as session:
        key = session.exec(select(SynonymGroup.key).where(SynonymGroup.municipality_id.is_not(None))).one()
    assert key == "koebenhavns-kommune-bif"
    assert aalborg_admin.post(f"/admin/synonymer/{key}/slet", data={"csrf": csrf_of(aalborg_admin)},
                              follow_redirects=False).status_code == 404
    assert aalborg_admin.post("/admin/synonymer", data={"csrf": csrf_of(aalborg_admin), "municipality": "koebenhavns-kommune",
                                                        "terms": "a, b"}, follow_redirects=False).status_code == 404
    assert kk_admin.post("/admin/synonymer/me-cfs/slet", data={"csrf": csrf_of(kk_admin)},
                         follow_redirects=False).status_code == 404  # the bank's group is everyone's
    assert _suggested(world, world.tokens["drafter"], query) == found
    deleted = kk_admin.post(f"/admin/synonymer/{key}/slet", data={"csrf": csrf_of(kk_admin)}, follow_redirects=False)
    assert deleted.status_code == 303
    assert _suggested(world, world.tokens["drafter"], query) == []
    with Session(make_engine(world.url)) as session:
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.action.startswith("synonyms.")))]
    assert actions == ["synonyms.add", "synonyms.delete"]
    assert re.search(r"BIF", kk_admin.get("/admin/synonymer").text) is None
