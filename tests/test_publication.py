"""Publication (issue 23): an answered inquiry published with two redactions — gone from the public HTML, from the
re-rendered PDF (pdftotext) and from the public search, with a log of how many on which ground; the frozen original
untouched; an unanswered one with "Der forventes svar i uge N"; the Atom feed; no cookie, strict headers, cacheable,
no script; who may publish, and from the other municipality."""

from datetime import date
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.models import Inquiry, LetterDocument, Question, User
from tests.conftest import PASSWORD
from tests.documents import pdftotext, squash
from tests.test_dispatch import answered_world
from tests.test_reports import _approve, _inquiry

TODAY = date.today()
ATOM = "{http://www.w3.org/2005/Atom}"
ANSWER = "Jens Hansen (010190-1234) fik hjælp efter sin diagnose. I alt er der 12 sager i år."


@pytest.fixture
def published(seeded):
    engine, people, tokens = answered_world(seeded)
    with Session(engine) as session:
        inquiry = _inquiry(session, "kk-bif", TODAY.isoformat(), "Hjælp til borgere med diagnoser")
        letter = _approve(session, inquiry, TODAY.isoformat(), session.get(User, people["kk-bif", "drafter"]),
                          session.get(User, people["kk-bif", "approver"]), text=ANSWER)
        waiting = _inquiry(session, "kk-bif", TODAY.isoformat(), "Ventetider i jobcentret")
    return engine, tokens, inquiry[0], letter, waiting[0]


def test_an_answer_is_published_with_its_redactions_gone_from_html_pdf_and_search_and_the_log_shown(published, tmp_path):
    engine, tokens, inquiry, letter, _waiting = published
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    with Session(engine) as session:
        original = session.exec(select(LetterDocument).where(LetterDocument.letter_id == letter,
                                                            LetterDocument.format == "pdf")).one()
        original_bytes, original_sha = original.content, original.sha256
    body = {"redactions": [{"text": "Jens Hansen", "ground": "health"}, {"text": "010190-1234", "ground": "cpr"},
                           {"text": "sin diagnose", "ground": "health"}]}
    out = client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=tokens["kk-bif", "approver"], json=body)
    assert out.status_code == 200, out.text
    slug = out.json()["slug"]
    assert out.json()["url"].endswith(f"/offentlig/{slug}") and out.json()["answered"] is True
    assert out.json()["redaction_log"] == [
        {"ground": "oplysninger om enkeltpersoners helbred, offentlighedsloven § 30, nr. 1", "count": 2},
        {"ground": "personnummer (CPR), offentlighedsloven § 30, nr. 1", "count": 1}]
    public = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))  # no login, no cookie
    page = public.get(f"/offentlig/{slug}")
    assert page.status_code == 200
    for hidden in ("Jens Hansen", "010190-1234", "diagnose."):
        assert hidden not in page.text
    assert "[udeladt] ([udeladt]) fik hjælp efter [udeladt]" in page.text and "12 sager" in page.text
    assert "3 passager er udeladt" in page.text and "2 × oplysninger om enkeltpersoners helbred" in page.text
    assert "<script" not in page.text and "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "public, max-age=300"
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["referrer-policy"] == "no-referrer"
    head = public.head(f"/offentlig/{slug}")
    assert head.status_code == 200 and head.headers["etag"] == page.headers["etag"] and head.content == b""
    again = public.get(f"/offentlig/{slug}", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # The PDF is rendered from the redacted text: the passages are not under a box, they are not there.
    pdf = public.get(f"/offentlig/{slug}/svar.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "public.pdf").write_bytes(pdf.content)
    text = squash(pdftotext(tmp_path / "public.pdf"))
    assert "[udeladt]" in text and "JensHansen" not in text and "010190" not in text and "12sager" in text
    # The approved original is as it was frozen, and still says it all.
    with Session(engine) as session:
        after = session.exec(select(LetterDocument).where(LetterDocument.letter_id == letter,
                                                         LetterDocument.format == "pdf")).one()
    assert (after.content, after.sha256) == (original_bytes, original_sha)
    (tmp_path / "original.pdf").write_bytes(original_bytes)
    assert "JensHansen" in squash(pdftotext(tmp_path / "original.pdf"))
    # Found by a word of the answer, not by a redacted one.
    assert f"/offentlig/{slug}" in public.get("/offentlig/", params={"q": "sager hjælp"}).text
    assert f"/offentlig/{slug}" not in public.get("/offentlig/", params={"q": "Hansen"}).text
    # The feed has it.
    feed = public.get("/offentlig/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml") and "set-cookie" not in feed.headers
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href").endswith(f"/offentlig/{slug}") for e in entries] == [True]
    # Taken down: gone from the page, the list and the feed.
    assert client.post(f"/api/v1/inquiries/{inquiry}/unpublish", headers=tokens["kk-bif", "admin"]).status_code == 204
    assert public.get(f"/offentlig/{slug}").status_code == 404
    assert ET.fromstring(public.get("/offentlig/feed.atom").content).findall(f"{ATOM}entry") == []


def test_an_unanswered_inquiry_says_the_week_the_answer_is_expected(published):
    engine, tokens, _inquiry_id, _letter, waiting = published
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    out = client.post(f"/api/v1/inquiries/{waiting}/publish", headers=tokens["kk-bif", "approver"], json={})
    assert out.status_code == 200 and out.json()["answered"] is False and out.json()["redaction_log"] == []
    with Session(engine) as session:
        deadline = session.get(Inquiry, waiting).deadline
    week = deadline.isocalendar()[1]
    page = client.get(f"/offentlig/{out.json()['slug']}").text
    assert f"Der forventes svar i uge {week}" in page and "Ventetider i jobcentret" in page
    assert "svar.pdf" not in page
    assert client.get(f"/offentlig/{out.json()['slug']}/svar.pdf").status_code == 404
    assert f"Der forventes svar i uge {week}" in client.get("/offentlig/").text
    # Once answered, the director's page says the public one shows only the questions, until published again.
    with Session(engine) as session:
        drafter = session.exec(select(User).where(User.username == "kk-bif-drafter")).one()
        approver = session.exec(select(User).where(User.username == "kk-bif-approver")).one()
        questions = session.exec(select(Question.id).where(Question.inquiry_id == waiting)).all()
        _approve(session, (waiting, questions[0]), TODAY.isoformat(), drafter, approver)
    browser = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine), base_url="https://testserver")
    assert browser.post("/login", data={"username": "kk-bif-approver", "password": PASSWORD}).status_code == 200
    assert "de offentlige sider viser kun spørgsmålene" in browser.get(f"/henvendelser/{waiting}").text
    again = client.post(f"/api/v1/inquiries/{waiting}/publish", headers=tokens["kk-bif", "approver"], json={})
    assert again.json()["answered"] is True and client.get(f"/offentlig/{out.json()['slug']}/svar.pdf").status_code == 200
    assert "de offentlige sider viser kun spørgsmålene" not in browser.get(f"/henvendelser/{waiting}").text


def test_what_is_refused_and_changes_nothing(published):
    engine, tokens, inquiry, _letter, waiting = published
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    approver = tokens["kk-bif", "approver"]
    typo = client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=approver,
                       json={"redactions": [{"text": "Jens Hanson", "ground": "health"}]})
    assert typo.status_code == 422 and "redaction 1" in str(typo.json()["detail"])
    lines = client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=approver,
                        json={"redactions": [{"text": "Jens\nHansen", "ground": "health"}]})
    assert lines.status_code == 422
    many = client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=approver,
                       json={"redactions": [{"text": "Jens Hansen", "ground": "health"}] * 51})
    assert many.status_code == 422
    assert client.get("/offentlig/").text.count("/offentlig/20") == 0  # nothing published by any of those
    for who in (("kk-bif", "drafter"), ("kk-bif", "viewer")):
        assert client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=tokens[who], json={}).status_code == 403
    # And from the other municipality: not found, as any id from elsewhere.
    for role in ("approver", "admin"):
        assert client.post(f"/api/v1/inquiries/{inquiry}/publish", headers=tokens["aalborg-fb", role], json={}).status_code == 404
        assert client.post(f"/api/v1/inquiries/{inquiry}/unpublish", headers=tokens["aalborg-fb", role]).status_code == 404
    assert client.post(f"/api/v1/inquiries/{inquiry}/unpublish", headers=approver).status_code == 409
    declined = client.post(f"/api/v1/inquiries/{waiting}/decline", headers=approver, json={"reason": "Ikke et spørgsmål"})
    assert declined.status_code == 201, declined.text
    assert client.post(f"/api/v1/inquiries/{waiting}/publish", headers=approver, json={}).status_code == 409


def test_the_director_publishes_from_the_inquiry_page_ticking_the_flags(published):
    engine, _tokens, inquiry, _letter, _waiting = published
    browser = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine), base_url="https://testserver")
    assert browser.post("/login", data={"username": "kk-bif-approver", "password": PASSWORD}).status_code == 200
    page = browser.get(f"/henvendelser/{inquiry}").text
    assert "Offentliggørelse" in page and "Udelad “010190-1234”" in page
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = {"csrf": csrf, "redact-0": "1", "text-0": "010190-1234", "ground-0": "cpr",
            "typed-50": "1", "text-50": "Jens Hansen", "ground-50": "health", "typed-51": "1", "text-51": ""}
    done = browser.post(f"/henvendelser/{inquiry}/offentliggoer", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?ok=offentliggjort")
    page = browser.get(f"/henvendelser/{inquiry}?ok=offentliggjort").text
    assert "Henvendelsen er offentliggjort." in page and "1 × personnummer (CPR)" in page
    bad = browser.post(f"/henvendelser/{inquiry}/offentliggoer", data={**form, "text-50": "Jens Hanson"})
    assert bad.status_code == 422 and "findes ikke i svaret" in bad.text
    assert "Offentliggørelse" not in _viewer_page(engine, inquiry)


def _viewer_page(engine, inquiry: int) -> str:
    browser = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine), base_url="https://testserver")
    assert browser.post("/login", data={"username": "kk-bif-viewer", "password": PASSWORD}).status_code == 200
    return browser.get(f"/henvendelser/{inquiry}").text
