"""The inquiries API: seeds, creation with deadlines, list filters, the parse endpoint, auth."""

import pytest
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.models import Organisation
from tests.test_parsing import FORWARDED


def _new(**overrides) -> dict:
    body = {
        "title": "Ventetider på lægekonsulentvurderinger",
        "asker": {"name": "Åse Ærø-Øster", "role": "MB", "email": "aase@kk.dk"},
        "received_on": "2024-12-20",
        "case_refs": [{"system": "F2", "kind": "sagsnummer", "number": "2024 - 1234"}],
        "questions": [{"text": "Hvor lang er ventetiden?"}, {"text": "Hvad gør forvaltningen ved den?"}],
        "organisation": "kk-bif",
    }
    return body | overrides


def test_seed_inquiries_with_all_questions(api):
    body = api.get("/api/v1/inquiries").json()
    assert body["total"] == 2
    kk = next(i for i in body["items"] if i["key"] == "kk-2023-8126-me-cfs")
    assert kk["asker"]["name"] == "Klaus Goldschmidt Henriksen"
    assert kk["case_refs"] == [
        {"system": "F2", "kind": "sagsnummer", "number": "2023 - 8126"},
        {"system": "F2", "kind": "dokumentnummer", "number": "3199008"},
        {"system": "eDoc", "kind": "sagsnummer", "number": "2023-0211523"},
    ]
    assert [q["number"] for q in kk["questions"]] == [1, 2, 3]
    assert [link["key"] for link in kk["questions"][2]["answered_by"]][0] == "kk-me-cfs-ingen-saerlig-arbejdsgang"
    assert kk["deadline"] == "2023-05-26" and kk["overdue"] is False  # answered, so never overdue
    one = api.get(f"/api/v1/inquiries/{kk['id']}").json()
    assert one == kk


def test_create_counts_working_days_over_christmas(api):
    r = api.post("/api/v1/inquiries", json=_new())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["deadline"] == "2025-01-10"
    assert body["status"] == "new" and body["organisation"]["key"] == "kk-bif"
    assert [(q["number"], q["text"]) for q in body["questions"]] == [
        (1, "Hvor lang er ventetiden?"), (2, "Hvad gør forvaltningen ved den?")]
    assert body["asker"] == {"id": body["asker"]["id"], "name": "Åse Ærø-Øster", "role": "MB", "email": "aase@kk.dk"}
    # The same asker is found again, not duplicated.
    again = api.post("/api/v1/inquiries", json=_new(title="Opfølgning")).json()
    assert again["asker"]["id"] == body["asker"]["id"]


def test_explicit_deadline_and_its_check(api):
    assert api.post("/api/v1/inquiries", json=_new(deadline="2025-02-01")).json()["deadline"] == "2025-02-01"
    r = api.post("/api/v1/inquiries", json=_new(deadline="2024-12-01"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "deadline"]


def test_list_filters(api):
    late = api.post("/api/v1/inquiries", json=_new(title="Gammel sag om æbler", received_on="2020-01-06")).json()
    fresh = api.post("/api/v1/inquiries", json=_new(title="Ny sag", received_on="2099-01-05")).json()
    overdue = api.get("/api/v1/inquiries", params={"overdue": "true"}).json()
    assert [i["id"] for i in overdue["items"]] == [late["id"]] and overdue["items"][0]["overdue"] is True
    assert late["working_days_left"] < 0
    not_overdue = {i["id"] for i in api.get("/api/v1/inquiries", params={"overdue": "false"}).json()["items"]}
    assert fresh["id"] in not_overdue and late["id"] not in not_overdue
    answered = api.get("/api/v1/inquiries", params={"status": "answered"}).json()
    assert {i["key"] for i in answered["items"]} == {"kk-2023-8126-me-cfs", "aalborg-2014-13931-syg-i-aalborg"}
    # Free text, case-insensitive also for æøå, in titles and in question texts.
    assert [i["id"] for i in api.get("/api/v1/inquiries", params={"q": "ÆBLER"}).json()["items"]] == [late["id"]]
    by_question = api.get("/api/v1/inquiries", params={"q": "praktikvurdering"}).json()["items"]
    assert [i["key"] for i in by_question] == ["aalborg-2014-13931-syg-i-aalborg"]
    # LIKE wildcards in the search are plain characters.
    assert api.get("/api/v1/inquiries", params={"q": "%"}).json()["total"] == 0
    page = api.get("/api/v1/inquiries", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 4 and len(page["items"]) == 1
    # Past the last page the count still says how many match (the page query counts only what it finds).
    beyond = api.get("/api/v1/inquiries", params={"limit": 2, "offset": 10}).json()
    assert beyond == {**beyond, "total": 4, "items": []}
    filtered_beyond = api.get("/api/v1/inquiries", params={"status": "answered", "offset": 5}).json()
    assert filtered_beyond["total"] == 2 and filtered_beyond["items"] == []


def test_parse_endpoint(api):
    r = api.post("/api/v1/inquiries/parse", json={"text": FORWARDED})
    assert r.status_code == 200
    body = r.json()
    assert [q["number"] for q in body["questions"]] == [1, 2]
    assert body["title"] == "Spørgsmål om ventetider i jobcentret"
    assert body["asker"] == {"name": "Klaus Goldschmidt Henriksen", "email": "Klaus_Goldschmidt_Henriksen@kk.dk"}
    assert body["received_on"] == "2023-05-11"


def test_parse_copenhagen_seed(api):
    from tests.conftest import SEEDS

    seed = (SEEDS / "kk-beskaeftigelse-me-cfs-svar-2023.txt").read_text(encoding="utf-8")
    pasted = seed[seed.index("Spørgsmål") : seed.index("Beskæftigelses- og Integrationsforvaltningens svar")]
    questions = api.post("/api/v1/inquiries/parse", json={"text": pasted}).json()["questions"]
    assert [q["number"] for q in questions] == [1, 2, 3]


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/inquiries"), ("post", "/api/v1/paragraphs"), ("post", "/api/v1/statistics"),
     ("put", "/api/v1/paragraphs/1"), ("post", "/api/v1/statistics/aalborg-sager-over-5-aar/values")],
)
def test_every_write_needs_a_writer(api, method, path):
    assert getattr(api.client, method)(path, json={}).status_code == 401
    bad = {"Authorization": "Bearer bsv_not-a-token"}
    assert getattr(api.client, method)(path, json={}, headers=bad).status_code == 401
    assert getattr(api, method)(path, role="approver", json={}).status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/inquiries", "/api/v1/paragraphs", "/api/v1/statistics", "/api/v1/organisations"])
def test_every_read_needs_a_token(api, path):
    r = api.client.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert api.get(path, role="approver").status_code == 200


def test_healthz_needs_no_token(api):
    assert api.client.get("/healthz").json()["status"] == "ok"


def test_default_organisation(api, seeded):
    # A drafter of two organisations names the one the inquiry is for: there is not one to default to.
    r = api.post("/api/v1/inquiries", json=_new(organisation=None))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "organisation"]
    # A drafter of one organisation need not name it.
    with Session(seeded) as session:
        aalborg = session.exec(select(Organisation).where(Organisation.key == "aalborg-fb")).one()
        auth_service.add_user(session, username="aal", role="drafter", name="Aalborg", organisation_id=aalborg.id)
        auth_service.add_user(session, username="nowhere", role="drafter", name="Ingen steder")
        tokens = {u: {"Authorization": f"Bearer {auth_service.create_token(session, username=u)}"} for u in ("aal", "nowhere")}
    r = api.client.post("/api/v1/inquiries", headers=tokens["aal"], json=_new(organisation=None))
    assert r.status_code == 201 and r.json()["organisation"]["key"] == "aalborg-fb"
    # A user who is a member of no unit drafts nowhere.
    r = api.client.post("/api/v1/inquiries", headers=tokens["nowhere"], json=_new(organisation=None))
    assert r.status_code == 403 and "in one of your units" in r.json()["detail"]


def test_openapi_docs_load_nothing_from_the_network(api):
    import re

    html = api.client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\\s*["']([^"']+)["']""", html)
    urls = [a or b for a, b in assets]
    assert urls and all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert api.client.get(url).status_code == 200, url
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/inquiries/parse", "/api/v1/inquiries", "/api/v1/paragraphs/{paragraph_id}",
            "/api/v1/statistics/{key}/values", "/healthz"} <= set(paths)
