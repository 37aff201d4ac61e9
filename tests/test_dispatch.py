"""Dispatch (issue 23): an approved answer recorded as sent by e-mail (Besvar sends it, the frozen PDF attached,
through a real SMTP server), by Digital Post or by print, copied to the whole council; shown in the history and
in the export metadata; refused for what is not approved, sent twice, in the future, or from elsewhere."""

import io
import json
import threading
import zipfile
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.config import Settings
from app.dispatch import councils, service
from app.dispatch.schemas import DispatchIn
from app.errors import Conflict, Invalid
from app.mail import worker
from app.main import create_app
from app.models import LetterDocument, Municipality, Organisation, OutboxMessage, User
from tests.conftest import PASSWORD
from tests.mail_server import SmtpServer
from tests.test_exports import XSD
from tests.test_reports import _approve, _inquiry

TODAY = date.today()


def _org(session: Session, key: str) -> int:
    return session.exec(select(Organisation.id).where(Organisation.key == key)).one()


def answered_world(seeded):
    """People of both municipalities (drafter, approver, viewer, admin of each): their ids and tokens."""
    with Session(seeded) as session:
        people = {}
        for org in ("kk-bif", "aalborg-fb"):
            for role in ("drafter", "approver", "viewer", "admin"):
                people[org, role] = auth_service.add_user(session, username=f"{org}-{role}", role=role, name=f"{org} {role}",
                                                          organisation_id=_org(session, org), password=PASSWORD)
        tokens = {k: {"Authorization": f"Bearer {auth_service.create_token(session, username=u.username)}"}
                  for k, u in people.items()}
        return seeded, {k: u.id for k, u in people.items()}, tokens


@pytest.fixture
def answered(seeded):
    """An answer of Copenhagen's approved today, Copenhagen's council list, and people of both municipalities."""
    engine, people, tokens = answered_world(seeded)
    with Session(engine) as session:
        inquiry = _inquiry(session, "kk-bif", TODAY.isoformat(), "Hvor mange sager?")
        letter = _approve(session, inquiry, TODAY.isoformat(), session.get(User, people["kk-bif", "drafter"]),
                          session.get(User, people["kk-bif", "approver"]), recipient={"recipient_email": "bo.borger@kk.dk"})
        kk = session.exec(select(Municipality).where(Municipality.key == "koebenhavns-kommune")).one()
        councils.save(session, municipality=kk, name="Borgerrepræsentationen", whole_council=True, by=None,
                      members=councils.parse_members("Anne Andersen <anne@kk.dk>\nBent Berg, bent@kk.dk\nCarla Uden Mail"))
    return engine, letter, tokens


def test_an_answer_sent_by_email_and_copied_to_the_council_goes_once_with_its_pdf(answered):
    engine, letter, tokens = answered
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    drafter = tokens["kk-bif", "drafter"]
    sent = client.post(f"/api/v1/letters/{letter}/dispatch", headers=drafter, json={"channel": "email", "copy_to_council": True})
    assert sent.status_code == 201, sent.text
    assert sent.json() | {"copies": None} == {"letter_id": letter, "channel": "email", "sent_on": TODAY.isoformat(),
                                              "to_name": "Bo Borger", "to_address": "bo.borger@kk.dk",
                                              "council_list": "Borgerrepræsentationen", "copies": None, "by": "kk-bif-drafter"}
    assert [c["name"] for c in sent.json()["copies"]] == ["Anne Andersen", "Bent Berg", "Carla Uden Mail"]
    again = client.post(f"/api/v1/letters/{letter}/dispatch", headers=drafter, json={"channel": "print"})
    assert again.status_code == 409 and "recorded as sent on" in again.json()["detail"]
    with Session(engine) as session:
        queued = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
        pdf = session.exec(select(LetterDocument.content).where(LetterDocument.letter_id == letter,
                                                                 LetterDocument.format == "pdf")).one()
    # The answer to the asker, and a copy to each member with an address (Carla has none).
    assert [(m.kind, m.to_address) for m in queued][-3:] == [
        ("letter.dispatch", "bo.borger@kk.dk"), ("letter.council_copy", "anne@kk.dk"), ("letter.council_copy", "bent@kk.dk")]
    smtp = SmtpServer()
    smtp.start()
    try:
        worker.run_once(engine, Settings(smtp_url=smtp.url, besvar_mail_from="Besvar <besvar@kk.dk>"), sweep=False)
        worker.run_once(engine, Settings(smtp_url=smtp.url, besvar_mail_from="Besvar <besvar@kk.dk>"), sweep=False)
        mails = [m for m in smtp.handler.received if m.message["X-Besvar-Kind"] in ("letter.dispatch", "letter.council_copy")]
    finally:
        smtp.stop()
    assert sorted(m.to[0] for m in mails) == ["anne@kk.dk", "bent@kk.dk", "bo.borger@kk.dk"]  # each once
    for mail in mails:
        attached = [p for p in mail.message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(attached) == 1 and attached[0].get_content() == pdf  # the frozen, approved bytes
    to_asker = next(m for m in mails if m.to == ["bo.borger@kk.dk"])
    assert to_asker.message["Subject"].endswith("Hvor mange sager?") and "Kære Bo Borger" in to_asker.body()
    # The export metadata says how and to whom it went, valid against the published schema.
    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/letters/{letter}/export", headers=drafter).content))
    meta = json.loads(bundle.read("metadata.json"))
    assert meta["dispatch"]["channel"] == "email" and meta["dispatch"]["council_list"] == "Borgerrepræsentationen"
    assert len(meta["dispatch"]["copies"]) == 3
    XSD.assertValid(etree.fromstring(bundle.read("metadata.xml")))


def test_digital_post_and_print_are_recorded_with_their_day_and_the_history_shows_it(answered):
    engine, letter, tokens = answered
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    client = TestClient(app)
    approver = tokens["kk-bif", "approver"]
    future = client.post(f"/api/v1/letters/{letter}/dispatch", headers=approver,
                         json={"channel": "print", "sent_on": (TODAY + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "future" in future.json()["detail"][0]["msg"]
    early = client.post(f"/api/v1/letters/{letter}/dispatch", headers=approver,
                        json={"channel": "digital_post", "sent_on": (TODAY - timedelta(days=3)).isoformat()})
    assert early.status_code == 422 and "before the letter was approved" in early.json()["detail"][0]["msg"]
    unknown = client.post(f"/api/v1/letters/{letter}/dispatch", headers=approver,
                          json={"channel": "digital_post", "copy_to_council": "Teknik- og Miljøudvalget"})
    assert unknown.status_code == 422 and "Borgerrepræsentationen" in unknown.json()["detail"][0]["msg"]
    with Session(engine) as session:
        before = len(list(session.exec(select(OutboxMessage))))
    ok = client.post(f"/api/v1/letters/{letter}/dispatch", headers=approver, json={"channel": "digital_post"})
    assert ok.status_code == 201 and ok.json()["to_address"] is None and ok.json()["copies"] == []
    with Session(engine) as session:
        assert len(list(session.exec(select(OutboxMessage)))) == before  # the ESDH sends Digital Post, not Besvar
    assert client.get(f"/api/v1/letters/{letter}/dispatch", headers=tokens["kk-bif", "viewer"]).json()["channel"] == "digital_post"
    browser = TestClient(app, base_url="https://testserver")
    assert browser.post("/login", data={"username": "kk-bif-viewer", "password": PASSWORD}).status_code == 200
    history = browser.get(f"/historik?letter_id={letter}").text
    assert "Registreret som sendt" in history
    page = browser.get(f"/breve/{letter}").text
    assert "som Digital Post (fra ESDH) til Bo Borger" in page and 'action="/breve/' + str(letter) + '/afsend"' not in page


def test_who_may_record_a_dispatch_and_from_the_other_municipality(answered):
    engine, letter, tokens = answered
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    body = {"channel": "print"}
    assert client.post(f"/api/v1/letters/{letter}/dispatch", headers=tokens["kk-bif", "viewer"], json=body).status_code == 403
    for role in ("drafter", "approver"):  # and from Aalborg: not found, as any id from elsewhere
        theirs = client.post(f"/api/v1/letters/{letter}/dispatch", headers=tokens["aalborg-fb", role], json=body)
        assert theirs.status_code == 404
        assert client.get(f"/api/v1/letters/{letter}/dispatch", headers=tokens["aalborg-fb", role]).status_code == 404
    assert client.post(f"/api/v1/letters/{letter}/dispatch", headers=tokens["kk-bif", "drafter"],
                       json={"channel": "fax"}).status_code == 422
    with Session(engine) as session:
        aalborg = session.exec(select(Municipality).where(Municipality.key == "aalborg-kommune")).one()
        approver = session.exec(select(User).where(User.username == "aalborg-fb-approver")).one()
        councils.save(session, municipality=aalborg, name="Byrådet", whole_council=True, by=approver,
                      members=councils.parse_members("Aase Aalborg <aase@aalborg.dk>"))
    # Copenhagen's copy never reaches Aalborg's council: "true" is the letter's own municipality's list.
    sent = client.post(f"/api/v1/letters/{letter}/dispatch", headers=tokens["kk-bif", "drafter"],
                       json={"channel": "print", "copy_to_council": "Byrådet"})
    assert sent.status_code == 422


@pytest.mark.parametrize("text", ["", "<anne@kk.dk>", "Anne <ikke en adresse>", "x" * 301,
                                  "\n".join(f"M{n} <m{n}@kk.dk>" for n in range(201))])
def test_a_bad_member_list_is_refused(text):
    with pytest.raises(Invalid, match=r"line|members"):
        councils.parse_members(text)


def test_two_clicks_at_once_record_one_dispatch_and_queue_its_mail_once(answered):
    engine, letter, _tokens = answered
    barrier, results = threading.Barrier(2), []

    def click() -> None:
        barrier.wait(timeout=30)  # both at once (on SQLite's one connection, one after the other)
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == "kk-bif-drafter")).one()
            try:
                service.dispatch(session, letter_id=letter, data=DispatchIn(channel="email"), user=user)
                results.append("sent")
            except Conflict:
                results.append("409")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "sent"]
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "letter.dispatch")).all()) == 1
