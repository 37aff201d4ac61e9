"""Mail out (issue 20): every message a row in the outbox first, sent once over a real SMTP server (aiosmtpd on
127.0.0.1) — refused for a while, permanently refused, down, and three workers racing — on both databases."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.config import Settings
from app.mail import sender, worker
from app.models import OutboxMessage
from tests.mail_server import SmtpServer
from tests.test_api_inquiries import _new
from tests.test_isolation import add_second_copenhagen_organisation


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _settings(smtp: SmtpServer) -> Settings:
    return Settings(smtp_url=smtp.url, besvar_mail_from="Besvar <besvar@kk.dk>")


def _round(engine, settings: Settings) -> dict[str, int]:
    """What one worker round sent (no reminder sweep: these tests run on today's date)."""
    done = worker.run_once(engine, settings, sweep=False)
    return {k: done[k] for k in ("sent", "retried", "failed")}


def _person(seeded, username: str, name: str, units: list[tuple[str, str]], email: str | None) -> dict[str, str]:
    with Session(seeded) as session:
        auth_service.add_user(session, username=username, role=units[0][1], name=name, email=email, units=units)
        return {"Authorization": f"Bearer {auth_service.create_token(session, username=username)}"}


def _outbox(seeded) -> list[OutboxMessage]:
    with Session(seeded) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_allocation_and_a_contribution_mail_the_right_people_once(api, seeded, smtp):
    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    sara = _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    suf = _person(seeded, "fagperson", "Sofie Sundby", [("kk-suf", "contributor")], "sofie@kk.dk")
    _person(seeded, "uden-mail", "Ulla Udenmail", [("kk-suf", "contributor")], None)
    iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
    assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"unit": "kk-bif", "assignee": "sagsbehandler"}).status_code == 200
    c = api.client.post(f"/api/v1/inquiries/{iid}/contributions", headers=sara, json={"unit": "kk-suf", "note": "Tal, tak"}).json()
    # Written with the events, not sent yet; Ulla has no address, so nothing for her.
    assert [(m.kind, m.to_address, m.status) for m in _outbox(seeded)] == [
        ("inquiry.allocated", "sara@kk.dk", "queued"), ("contribution.asked", "sofie@kk.dk", "queued")]
    assert _round(seeded, _settings(smtp)) == {"sent": 2, "retried": 0, "failed": 0}
    assert _round(seeded, _settings(smtp)) == {"sent": 0, "retried": 0, "failed": 0}  # once
    allocated, asked = smtp.handler.received
    assert allocated.to == ["sara@kk.dk"] and allocated.message["Subject"].startswith("Ny henvendelse til dig:")
    assert f"/henvendelser/{iid}" in allocated.body() and f'href="http://127.0.0.1:8000/henvendelser/{iid}"' in allocated.body("html")
    assert asked.to == ["sofie@kk.dk"] and asked.message["Subject"].startswith("Bidrag ønskes senest")
    assert "Tal, tak" not in asked.body()  # what is asked is in Besvar, not in the mail
    link = next(w for w in asked.body().split() if "/bidrag/" in w and "anmodning" not in w)
    # The mailed link opens the login-free page; answering mails the drafter who asked.
    path = link.removeprefix("http://127.0.0.1:8000")
    assert api.client.get(path).status_code == 200
    assert api.client.post(path, data={"name": "Sofie Sundby", "text": "41 dage"}).status_code == 200
    assert api.client.get(f"/api/v1/contributions/{c['id']}", headers=suf).json()["status"] == "besvaret"
    assert worker.run_once(seeded, _settings(smtp), sweep=False)["sent"] == 1
    answered = smtp.handler.received[-1]
    assert answered.to == ["sara@kk.dk"] and answered.message["Subject"].startswith("Bidrag modtaget fra Direktionen")
    assert "41 dage" not in answered.body()
    assert len(smtp.handler.received) == 3


def test_a_refusing_server_and_a_server_down_get_the_message_later_once(api, seeded, smtp):
    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True) as clock:
        iid = api.post("/api/v1/inquiries", json=_new(received_on=start.date().isoformat())).json()["id"]
        api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
        smtp.handler.answer = "451 4.3.0 Try again later"
        assert _round(seeded, _settings(smtp)) == {"sent": 0, "retried": 1, "failed": 0}
        smtp.handler.answer = None
        assert worker.run_once(seeded, _settings(smtp), sweep=False)["sent"] == 0  # not before its pause
        clock.shift(timedelta(minutes=2))
        smtp.stop()  # down for a while
        assert _round(seeded, _settings(smtp)) == {"sent": 0, "retried": 1, "failed": 0}
        smtp.start()
        clock.shift(timedelta(minutes=6))
        assert _round(seeded, _settings(smtp)) == {"sent": 1, "retried": 0, "failed": 0}
        clock.shift(timedelta(hours=1))
        assert worker.run_once(seeded, _settings(smtp), sweep=False)["sent"] == 0
    assert len(smtp.handler.received) == 1
    (message,) = _outbox(seeded)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)


def test_a_permanent_refusal_is_failed_kept_and_not_tried_again(api, seeded, smtp):
    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
    smtp.handler.answer = "550 5.1.1 No such user"
    assert _round(seeded, _settings(smtp)) == {"sent": 0, "retried": 0, "failed": 1}
    smtp.handler.answer = None
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        assert worker.run_once(seeded, _settings(smtp), sweep=False)["sent"] == 0
    (message,) = _outbox(seeded)
    assert message.status == "failed" and "550" in (message.last_error or "")


def test_an_admin_sees_a_failed_mail_and_sends_it_again_once_and_another_municipality_cannot(api, web, seeded, smtp):
    import html
    import re

    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    aalborg_admin = _person(seeded, "aalborg-admin", "Aase Admin", [("aalborg-fb", "admin")], None)
    iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
    smtp.handler.answer = "550 5.1.1 Mailbox full"
    assert _round(seeded, _settings(smtp))["failed"] == 1
    (message,) = _outbox(seeded)
    admin = web("admin")
    assert "1 mail kunne ikke sendes" in admin.get("/indbakke").text
    listed = admin.get("/udbakke")
    assert message.last_error and "Mailbox full" in message.last_error
    assert listed.status_code == 200 and html.escape(message.last_error) in listed.text and "sara@kk.dk" in listed.text
    assert web("drafter").get("/udbakke", follow_redirects=False).status_code == 403
    assert api.client.post(f"/api/v1/outbox/{message.id}/retry", headers=aalborg_admin).status_code == 404
    smtp.handler.answer = None
    csrf = re.search(r'name="csrf" value="([^"]+)"', listed.text).group(1)
    r = admin.post(f"/udbakke/{message.id}/send-igen", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/udbakke?ok=1"
    again = admin.post(f"/udbakke/{message.id}/send-igen", data={"csrf": csrf})
    assert again.status_code == 409 and "ikke fejlet" in again.text  # a second click: it is queued already
    assert _round(seeded, _settings(smtp)) == {"sent": 1, "retried": 0, "failed": 0}
    assert _round(seeded, _settings(smtp))["sent"] == 0
    assert [m.to for m in smtp.handler.received] == [["sara@kk.dk"]]
    assert "mail kunne ikke sendes" not in admin.get("/indbakke").text


def test_three_workers_racing_send_each_message_once(api, seeded, smtp):
    with Session(seeded) as session:
        for n in range(30):
            auth_service.add_user(session, username=f"person-{n}", role="drafter", name=f"Person {n}",
                                  email=f"person{n}@kk.dk", units=[("kk-bif", "drafter")])
    for n in range(30):
        iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
        assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": f"person-{n}"}).status_code == 200
    smtp_settings = sender.smtp_from(_settings(smtp))
    assert smtp_settings is not None
    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: results.append(sender.send_due(seeded, smtp_settings))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 30
    assert sorted(r.to[0] for r in smtp.handler.received) == sorted(f"person{n}@kk.dk" for n in range(30))
    assert {m.status for m in _outbox(seeded)} == {"sent"}


def test_enqueue_twice_with_one_key_adds_one_message(seeded):
    from app.mail.outbox import enqueue

    with Session(seeded) as session:
        for _ in range(2):
            enqueue(session, key="reminder:contribution:1:2027-03-10", kind="reminder", organisation_id=None, to_address="a@kk.dk", to_name=None,
                    subject="Påmindelse", text="x", html="<p>x</p>")
        session.commit()
    assert len(_outbox(seeded)) == 1


def test_the_worker_command_sends_once_and_says_what_it_did(api, seeded, smtp):
    import os
    import subprocess
    import sys
    from pathlib import Path

    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
    env = {**os.environ, "DATABASE_URL": seeded.url.render_as_string(hide_password=False), "SMTP_URL": smtp.url,
           "PUBLIC_URL": "https://besvar.kk.dk"}
    exe = str(Path(sys.executable).with_name("besvar"))
    for expected in ("mail: 0 received, 1 sent, 0 to retry, 0 failed", "mail: 0 received, 0 sent, 0 to retry, 0 failed"):
        done = subprocess.run([exe, "worker", "--once"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout.strip() == expected, done.stdout + done.stderr
    (received,) = smtp.handler.received
    # The link was made when the event happened, with the address the server had then (the default here).
    assert received.to == ["sara@kk.dk"] and f"/henvendelser/{iid}" in received.body()


def test_admins_see_their_municipalitys_outbox_only(api, seeded, smtp):
    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    aalborg_admin = _person(seeded, "aalborg-admin", "Aase Admin", [("aalborg-fb", "admin")], None)
    kk_admin = _person(seeded, "kk-admin", "Kim Admin", [("kk-bif", "admin")], None)
    iid = api.post("/api/v1/inquiries", json=_new(received_on=datetime.now(UTC).date().isoformat())).json()["id"]
    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
    smtp.handler.answer = "550 5.1.1 No such user"
    worker.run_once(seeded, _settings(smtp), sweep=False)
    mine = api.client.get("/api/v1/outbox?status=failed", headers=kk_admin)
    assert mine.status_code == 200, mine.text
    (item,) = mine.json()["items"]
    assert (item["kind"], item["to"], item["status"], item["attempts"]) == ("inquiry.allocated", "sara@kk.dk", "failed", 1)
    assert "text" not in item and "html" not in item
    # And from the other municipality: nothing of Copenhagen's; a drafter may not look at all.
    assert api.client.get("/api/v1/outbox", headers=aalborg_admin).json()["items"] == []
    assert api.get("/api/v1/outbox").status_code == 403


def test_a_late_contribution_is_reminded_chased_and_escalated_on_working_days_across_easter(api, seeded, smtp):
    """Due Tuesday 23 March 2027; Maundy Thursday, Good Friday and Easter Monday are closed. Two rounds a day
    (before and after the 06:30 digest) for three weeks: each message once, on its day."""
    from datetime import date

    from app.models import Unit, User

    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    _person(seeded, "fagperson", "Sofie Sundby", [("kk-suf", "contributor")], "sofie@kk.dk")
    _person(seeded, "leder", "Lene Leder", [("kk-suf", "approver")], "lene@kk.dk")
    _person(seeded, "uden-opgaver", "Ib Ingenting", [("kk-bif", "drafter")], "ib@kk.dk")
    with Session(seeded) as session:
        unit = session.exec(select(Unit).where(Unit.key == "kk-suf")).one()
        unit.lead_id = session.exec(select(User.id).where(User.username == "leder")).one()
        session.add(unit)
        session.commit()
    with time_machine.travel(datetime(2027, 3, 15, 9, tzinfo=UTC), tick=False):
        iid = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-15")).json()["id"]
        r = api.post(f"/api/v1/inquiries/{iid}/contributions", json={"person": "fagperson", "due": "2027-03-23", "note": "Tal"})
        assert r.status_code == 201, r.text
    day = date(2027, 3, 16)
    while day <= date(2027, 4, 9):
        for hour in (4, 7):  # UTC: before and after 06:30 in Copenhagen, in winter and in summer time
            with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False):
                worker.run_once(seeded, _settings(smtp))
        day += timedelta(days=1)
    got = [(m.to[0], m.message["Subject"]) for m in smtp.handler.received]
    reminders = [(to, subject) for to, subject in got if "Påmindelse" in subject or "Rykker" in subject]
    assert reminders == [
        ("sofie@kk.dk", "Påmindelse: bidrag senest i morgen (23-03-2027)"),  # Monday 22nd
        ("sofie@kk.dk", "Påmindelse: bidrag senest i dag (23-03-2027)"),
        ("sofie@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # Tuesday 30th: two working days on
        ("sofie@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # Thursday 1 April
        ("sofie@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # Monday 5 April: the third …
        ("lene@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # … and the lead is told
        ("sofie@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # Wednesday 7 April
        ("lene@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),
        ("sofie@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),  # Friday 9 April
        ("lene@kk.dk", "Rykker: bidraget skulle have været sendt 23-03-2027"),
    ]
    with Session(seeded) as session:
        keys = [m.key for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "contribution.reminder"))]
    assert [k.split(":")[3] for k in keys if k.endswith(":" + str(_uid(seeded, "fagperson")))] == [
        "before", "today", "chaser-1", "chaser-2", "chaser-3", "chaser-4", "chaser-5"]
    # The digest: Sofie's, each working day from the 16th (none on the weekends and the three Easter days);
    # Ib has nothing to do and gets nothing.
    digests = [to for to, subject in got if subject.startswith("Besvar i dag")]
    working = sum(1 for n in range(25) if _is_working(date(2027, 3, 16) + timedelta(days=n)))
    assert digests.count("sofie@kk.dk") == working == 16 and "ib@kk.dk" not in digests


def _uid(seeded, username: str) -> int:
    from app.models import User

    with Session(seeded) as session:
        return session.exec(select(User.id).where(User.username == username)).one()


def _is_working(day) -> bool:
    from app.inquiries.deadlines import is_working_day

    return is_working_day(day)


def test_the_secretariat_reminds_several_inquiries_at_once_from_the_inbox(api, web, seeded, smtp):
    import re

    _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    viewer = _person(seeded, "laeser", "Lis Læser", [("kk-bif", "viewer")], None)
    aalborg = _person(seeded, "aalborg-sekretariat", "Aase", [("aalborg-fb", "drafter")], None)
    today = datetime.now(UTC).date().isoformat()
    held = api.post("/api/v1/inquiries", json=_new(received_on=today, title="Holdt af Sara")).json()["id"]
    api.post(f"/api/v1/inquiries/{held}/allocate", json={"assignee": "sagsbehandler"})
    nobody = api.post("/api/v1/inquiries", json=_new(received_on=today, title="Ingen har den")).json()["id"]
    worker.run_once(seeded, _settings(smtp), sweep=False)  # the allocation's own mail
    before = len(smtp.handler.received)
    # Through the API: the secretariat only, and from the other municipality the inquiry does not exist.
    assert api.client.post(f"/api/v1/inquiries/{held}/remind", headers=viewer).status_code == 403
    assert api.client.post(f"/api/v1/inquiries/{held}/remind", headers=aalborg).status_code == 404
    c = web("drafter")
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/indbakke").text).group(1)
    r = c.post("/indbakke/samlet", data={"csrf": csrf, "action": "paamind", "inquiry": [str(held), str(nobody)]})
    assert r.status_code == 200 and "1 henvendelse påmindet." in r.text and "Ingen har den" in r.text, r.text[:2000]
    worker.run_once(seeded, _settings(smtp), sweep=False)
    (reminder,) = smtp.handler.received[before:]
    assert reminder.to == ["sara@kk.dk"] and reminder.message["Subject"] == "Påmindelse: Holdt af Sara"
    assert "Påmindelsen er sendt af Web drafter." in reminder.body()


def test_a_letter_waiting_a_working_day_reminds_its_organisations_approvers_once(api, seeded, smtp):
    _person(seeded, "direktoer", "Dorte Direktør", [("kk-bif", "approver")], "dorte@kk.dk")
    _person(seeded, "aalborg-direktoer", "Anders", [("aalborg-fb", "approver")], "anders@aalborg.dk")
    friday = datetime(2027, 3, 5, 9, tzinfo=UTC)
    with time_machine.travel(friday, tick=False):
        inquiry = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-05")).json()
        letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
        api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": [
            {"question_id": q["id"], "blocks": [{"text": "Svar."}]} for q in inquiry["questions"]]})
        assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
    for moment in (friday.replace(hour=15), datetime(2027, 3, 6, 9, tzinfo=UTC)):  # Friday afternoon; Saturday
        with time_machine.travel(moment, tick=False):
            worker.run_once(seeded, _settings(smtp))
    assert not [m for m in smtp.handler.received if "godkendelse" in m.message["Subject"]]  # not the same day, not a weekend
    for moment in (datetime(2027, 3, 8, 5, tzinfo=UTC), datetime(2027, 3, 8, 12, tzinfo=UTC)):  # Monday, twice
        with time_machine.travel(moment, tick=False):
            worker.run_once(seeded, _settings(smtp))
    waiting = [m for m in smtp.handler.received if m.message["Subject"].startswith("Venter på din godkendelse")]
    assert [m.to for m in waiting] == [["dorte@kk.dk"]]
    assert f"/godkendelse/{letter['id']}" in waiting[0].body()


def test_people_turn_off_what_they_need_not_act_on_or_take_the_digest_instead(api, web, seeded, smtp):
    import re

    sara = _person(seeded, "sagsbehandler", "Sara Sekretær", [("kk-bif", "drafter")], "sara@kk.dk")
    got = api.client.get("/api/v1/me/mail", headers=sara).json()
    assert got["off"] == [] and got["digest_only"] is False and "inquiry.allocated" in got["optional"]
    # What one must act on cannot be turned off; nothing is changed by the refusal.
    refused = api.client.put("/api/v1/me/mail", headers=sara, json={"off": ["contribution.asked"], "digest_only": False})
    assert refused.status_code == 422 and "contribution.asked" in refused.text
    assert api.client.put("/api/v1/me/mail", headers=sara, json={"off": ["inquiry.allocated"]}).status_code == 200
    today = datetime.now(UTC).date().isoformat()
    iid = api.post("/api/v1/inquiries", json=_new(received_on=today)).json()["id"]
    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "sagsbehandler"})
    assert _outbox(seeded) == []  # turned off: not even queued
    # On the page: the digest instead of single messages; the allocation mail stays off only while digest_only holds.
    with Session(seeded) as session:
        auth_service.add_user(session, username="web-sara", role="drafter", name="Web Sara", email="websara@kk.dk",
                              password="en-god-adgangskode", units=[("kk-bif", "drafter")])
    c = web()
    assert c.post("/login", data={"username": "web-sara", "password": "en-god-adgangskode"}, follow_redirects=False).status_code == 303
    page = c.get("/konto")
    assert "<title>Din konto · Besvar</title>" in page.text and page.text.count("Mail fra Besvar") == 1
    assert "websara@kk.dk" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/konto/mail", data={"csrf": csrf, "on": ["inquiry.allocated", "digest"], "digest_only": "ja"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/konto?ok=mail"
    assert "Dine mailvalg er gemt." in c.get("/konto?ok=mail").text
    other = api.post("/api/v1/inquiries", json=_new(received_on=today)).json()["id"]
    api.post(f"/api/v1/inquiries/{other}/allocate", json={"assignee": "web-sara"})
    assert _outbox(seeded) == []
