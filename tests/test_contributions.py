"""Contributions (bidrag, issue 19): asking other units, answering in Besvar or through the login-free link
(expired, reused, for another contribution, guessed), asking again, cancelling, late answers, attachments,
the editor's insertion with provenance — from both municipalities."""

import io
import re
import zipfile
from datetime import UTC, date, datetime

import docx
import pikepdf
import pytest
import time_machine
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.models import AuditEntry, Contribution
from tests.test_api_inquiries import _new
from tests.test_isolation import add_second_copenhagen_organisation

MONDAY = datetime(2027, 3, 1, 9, tzinfo=UTC)  # received Monday 1 March 2027; deadline ten working days on


def _user(seeded, username: str, units: list[tuple[str, str]]) -> dict[str, str]:
    with Session(seeded) as session:
        auth_service.add_user(session, username=username, role=units[0][1], name=username.replace("-", " ").title(), units=units)
        return {"Authorization": f"Bearer {auth_service.create_token(session, username=username)}"}


@pytest.fixture
def world(api, seeded):
    """An inquiry of Københavns BIF; a fagperson in SUF (another forvaltning of the same municipality), a
    BIF colleague outside the unit asked, and a secretary in Aalborg."""
    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    people = {
        "suf": _user(seeded, "suf-fagperson", [("kk-suf", "contributor")]),
        "suf2": _user(seeded, "suf-kollega", [("kk-suf", "drafter")]),
        "aalborg": _user(seeded, "aalborg-sekretariat", [("aalborg-fb", "drafter")]),
    }
    with time_machine.travel(MONDAY, tick=False):
        inquiry = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-01")).json()
    return inquiry, people


def _ask(api, iid: int, **body):
    return api.post(f"/api/v1/inquiries/{iid}/contributions", json={"unit": "kk-suf", "note": "Tal for 2026, tak"} | body)


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_asking_answering_and_the_inquiry_waiting_meanwhile(api, world):
    inquiry, people = world
    iid = inquiry["id"]
    q1, q2 = (q["id"] for q in inquiry["questions"])
    with time_machine.travel(MONDAY, tick=False):
        r = _ask(api, iid, question_ids=[q2])
        assert r.status_code == 201, r.text
        c = r.json()
        # Due by default three working days before the deadline (15 March), the link five after that.
        assert inquiry["deadline"] == "2027-03-15"
        assert (c["status"], c["due"], c["link_expires"], c["question_ids"]) == ("anmodet", "2027-03-10", "2027-03-17", [q2])
        assert c["link"].startswith("http://testserver/bidrag/") and not c["overdue"]
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "afventer_bidrag"
        assert iid in [i["id"] for i in api.get("/api/v1/inquiries?queue=awaiting_contributions").json()["items"]]
        # The link is shown once: reading the contribution again does not give it.
        assert api.get(f"/api/v1/contributions/{c['id']}").json()["link"] is None
        # The fagperson reads the contribution, not the inquiry (another forvaltning's); Aalborg reads neither.
        assert api.client.get(f"/api/v1/contributions/{c['id']}", headers=people["suf"]).status_code == 200
        assert api.client.get(f"/api/v1/inquiries/{iid}", headers=people["suf"]).status_code == 404
        assert api.client.get(f"/api/v1/contributions/{c['id']}", headers=people["aalborg"]).status_code == 404
        assert api.client.get(f"/api/v1/inquiries/{iid}/contributions", headers=people["aalborg"]).status_code == 404
        assert [x["id"] for x in api.client.get("/api/v1/contributions", headers=people["suf"]).json()["items"]] == [c["id"]]
        assert api.client.get("/api/v1/contributions", headers=people["aalborg"]).json()["items"] == []
        # Only the drafters of the inquiry's organisation ask; those asked do not.
        assert api.client.post(f"/api/v1/inquiries/{iid}/contributions", headers=people["aalborg"],
                               json={"unit": "kk-suf", "note": "x"}).status_code == 404
        assert api.post(f"/api/v1/contributions/{c['id']}/answer", json={"text": "x"}).status_code == 403
        assert api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=people["aalborg"], json={"text": "x"}).status_code == 404

    with time_machine.travel(datetime(2027, 3, 8, 10, tzinfo=UTC), tick=False):
        r = api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=people["suf2"], json={"text": "Ventetiden var 41 dage."})
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["status"], done["answered_by"], done["late"]) == ("besvaret", "Suf Kollega", False)
        assert [m["kind"] for m in done["messages"]] == ["request", "answer"]
        # The last contribution in: the inquiry is back with the drafter.
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "under_udarbejdelse"
        # Answered once: a second answer, through the API or the link, is refused and nothing changes.
        assert api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=people["suf"], json={"text": "y"}).status_code == 409
        assert api.client.get(f"/bidrag/{_token(c['link'])}").status_code == 410
        assert api.get(f"/api/v1/contributions/{c['id']}").json()["answer"] == "Ventetiden var 41 dage."
    assert q1  # the other question was not asked about


def test_due_dates_are_refused_after_the_deadline_or_before_today_and_targets_elsewhere(api, world):
    inquiry, people = world
    iid = inquiry["id"]
    with time_machine.travel(MONDAY, tick=False):
        assert _ask(api, iid, due="2027-03-16").status_code == 422  # after the deadline
        assert _ask(api, iid, due="2027-02-26").status_code == 422  # before today
        assert _ask(api, iid, unit="aalborg-fb").status_code == 422  # another municipality's unit is unknown
        assert _ask(api, iid, unit=None, person="aalborg-sekretariat").status_code == 422
        assert _ask(api, iid, unit="kk-bif", person="suf-fagperson").status_code == 422  # not a member of that unit
        assert _ask(api, iid, question_ids=[10**12]).status_code == 422
        r = _ask(api, iid, unit=None, person="suf-fagperson", due="2027-03-15")
        assert r.status_code == 201 and (r.json()["unit"], r.json()["person"]) == ("kk-suf", "suf-fagperson"), r.text
        # Only that person (or the unit's members) answers; a BIF drafter is refused.
        assert api.post(f"/api/v1/contributions/{r.json()['id']}/answer", json={"text": "x"}).status_code == 403
    with time_machine.travel(datetime(2027, 3, 16, 9, tzinfo=UTC), tick=False):  # past the deadline
        assert _ask(api, iid).status_code == 422


def test_the_link_expired_reused_for_another_contribution_or_guessed(api, world):
    inquiry, _people = world
    iid = inquiry["id"]
    with time_machine.travel(MONDAY, tick=False):
        first, second = _ask(api, iid).json(), _ask(api, iid, note="Og budgettet").json()
    with time_machine.travel(datetime(2027, 3, 2, 9, tzinfo=UTC), tick=False):
        page = api.client.get(f"/bidrag/{_token(first['link'])}")
        assert page.status_code == 200 and "Tal for 2026, tak" in page.text and "Og budgettet" not in page.text
        assert "Hvor lang er ventetiden?" in page.text  # the questions, without logging in
        # Guessed (or mistyped) tokens are unknown, whatever their shape.
        token = _token(first["link"])
        mistyped = token[:-1] + ("B" if token.endswith("A") else "A")  # one character off, never the token itself
        for guess in ("x" * 43, mistyped, "abc", "a-b_c" * 30):
            assert api.client.get(f"/bidrag/{guess}").status_code == 404, guess
        # The first link answers its own contribution only.
        r = api.client.post(f"/bidrag/{_token(first['link'])}", data={"name": "Sofie Sundby, SUF", "text": "41 dage"})
        assert r.status_code == 200 and "Tak for bidraget" in r.text, r.text
        assert api.get(f"/api/v1/contributions/{second['id']}").json()["status"] == "anmodet"
        got = api.get(f"/api/v1/contributions/{first['id']}").json()
        assert (got["status"], got["answered_by"], got["answer"]) == ("besvaret", "Sofie Sundby, SUF", "41 dage")
        # Reused after the answer: gone, and the answer stays as it was.
        again = api.client.post(f"/bidrag/{_token(first['link'])}", data={"name": "Mallory", "text": "overskrevet"})
        assert again.status_code == 410 and "allerede afgivet" in again.text
        assert api.get(f"/api/v1/contributions/{first['id']}").json()["answer"] == "41 dage"
        # A form posted from another site is refused.
        foreign = api.client.post(f"/bidrag/{_token(second['link'])}", data={"name": "x", "text": "y"},
                                  headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
    # Five working days after the due date (10 March) the link still works; the day after, it has expired.
    with time_machine.travel(datetime(2027, 3, 17, 9, tzinfo=UTC), tick=False):
        assert api.client.get(f"/bidrag/{_token(second['link'])}").status_code == 200
        assert api.get(f"/api/v1/contributions/{second['id']}").json()["overdue"] is True
    with time_machine.travel(datetime(2027, 3, 18, 9, tzinfo=UTC), tick=False):
        r = api.client.post(f"/bidrag/{_token(second['link'])}", data={"name": "x", "text": "for sent"})
        assert r.status_code == 410 and "udløbet" in r.text
        assert api.get(f"/api/v1/contributions/{second['id']}").json()["status"] == "anmodet"


def test_a_contribution_after_its_due_date_and_after_the_deadline_is_kept_and_marked_late(api, world, seeded):
    inquiry, people = world
    iid = inquiry["id"]
    with time_machine.travel(MONDAY, tick=False):
        c = _ask(api, iid, due="2027-03-03").json()
    with time_machine.travel(datetime(2027, 3, 16, 9, tzinfo=UTC), tick=False):  # after due and the deadline
        assert api.get(f"/api/v1/inquiries/{iid}").json()["overdue"] is True
        r = api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=people["suf"], json={"text": "Sent, men her"})
        assert r.status_code == 200 and r.json()["late"] is True and r.json()["overdue"] is False, r.text
    with Session(seeded) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "contribution.answer")).one()
        assert entry.detail["late"] is True and entry.inquiry_id == iid


def test_ask_again_keeps_the_history_and_replaces_the_link_and_cancel_kills_it(api, world):
    inquiry, people = world
    iid = inquiry["id"]
    with time_machine.travel(MONDAY, tick=False):
        c = _ask(api, iid).json()
        api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=people["suf"], json={"text": "41 dage"})
        assert api.post(f"/api/v1/contributions/{c['id']}/cancel").status_code == 409  # answered: nothing to cancel
        assert api.client.post(f"/api/v1/contributions/{c['id']}/ask_again", headers=people["suf"],
                               json={"note": "x"}).status_code == 403  # those asked do not ask
        r = api.post(f"/api/v1/contributions/{c['id']}/ask_again", json={"note": "Uddyb venligst: hvilke måneder?"})
        assert r.status_code == 200, r.text
        again = r.json()
        assert again["status"] == "anmodet" and again["link"] and again["link"] != c["link"]
        assert [m["kind"] for m in again["messages"]] == ["request", "answer", "request"]
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "afventer_bidrag"
        assert api.client.get(f"/bidrag/{_token(c['link'])}").status_code == 404  # the old link is no more
        page = api.client.get(f"/bidrag/{_token(again['link'])}")
        assert page.status_code == 200 and "hvilke måneder" in page.text and "41 dage" in page.text
        r = api.post(f"/api/v1/contributions/{c['id']}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "annulleret"
        assert api.client.get(f"/bidrag/{_token(again['link'])}").status_code == 410
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "under_udarbejdelse"
        assert api.client.post(f"/api/v1/contributions/{c['id']}/cancel", headers=people["aalborg"]).status_code == 404


def _pdf() -> bytes:
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()  # a scan without text: a fine attachment, though not an importable letter
    pdf.save(out)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("Bilag: ventetider pr. måned")
    d.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>')
    return out.getvalue()


def test_attachments_are_checked_as_imports_are_and_a_bad_one_stores_nothing(api, world, seeded):
    inquiry, people = world
    with time_machine.travel(MONDAY, tick=False):
        c = _ask(api, inquiry["id"]).json()
        token = _token(c["link"])
        bad = api.client.post(f"/bidrag/{token}", data={"name": "Sofie", "text": "Se bilag"},
                              files=[("files", ("tal.pdf", b"%PDF-1.7 not really", "application/pdf"))])
        assert bad.status_code == 422 and "tal.pdf" in bad.text and "Se bilag" in bad.text  # what was typed is kept
        assert api.get(f"/api/v1/contributions/{c['id']}").json()["status"] == "anmodet"
        macro = api.client.post(f"/bidrag/{token}", data={"name": "Sofie", "text": "Se bilag"},
                                files=[("files", ("tal.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "application/msword"))])
        assert macro.status_code == 422 and "adgangskode" in macro.text
        ok = api.client.post(f"/bidrag/{token}", data={"name": "Sofie", "text": "Se bilag"},
                             files=[("files", ("tal.pdf", _pdf(), "application/pdf")), ("files", ("notat.docx", _docx(), "x")),
                                    ("files", ("data.xlsx", _xlsx(), "x"))])
        assert ok.status_code == 200, ok.text
    files = api.get(f"/api/v1/contributions/{c['id']}").json()["files"]
    assert [f["filename"] for f in files] == ["tal.pdf", "notat.docx", "data.xlsx"]
    got = api.get(f"/api/v1/contribution_files/{files[0]['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf" and got.content == _pdf()[:0] + got.content
    assert pikepdf.open(io.BytesIO(got.content)).pages  # opens as the PDF it was
    assert api.client.get(f"/api/v1/contribution_files/{files[0]['id']}", headers=people["aalborg"]).status_code == 404
    assert api.client.get(f"/api/v1/contribution_files/{files[0]['id']}", headers=people["suf"]).status_code == 200
    with Session(seeded) as session:
        assert session.exec(select(Contribution)).one().status == "besvaret"


def test_the_inquiry_page_asks_and_shows_the_link_once(api, web, seeded):
    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    iid = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()["id"]
    drafter = web("drafter")
    page = drafter.get(f"/henvendelser/{iid}")
    assert "Bed en enhed om et bidrag" in page.text and "Ingen er bedt om bidrag." in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    refused = drafter.post(f"/henvendelser/{iid}/bidrag", data={"csrf": csrf, "unit": "kk-suf", "note": "Tal, tak",
                                                               "due": "2099-01-01"})
    assert refused.status_code == 422 and "Vælg en dato fra i dag til henvendelsens frist." in refused.text
    assert "Tal, tak" in refused.text  # what was typed is kept
    r = drafter.post(f"/henvendelser/{iid}/bidrag", data={"csrf": csrf, "unit": "kk-suf", "note": "Tal, tak"})
    assert r.status_code == 200, r.text
    link = re.search(r'value="(https://testserver/bidrag/[^"]+)"', r.text).group(1)
    again = drafter.get(f"/henvendelser/{iid}")
    assert link not in again.text and "Direktionen" in again.text and "Anmodet" in again.text  # shown once, listed
    # The page the link opens works for someone with no session at all; the same request from Aalborg's
    # secretary, logged in, is no different: the token, not the login, opens it.
    anonymous = web()
    assert anonymous.get(link.removeprefix("https://testserver")).status_code == 200


def test_the_drafter_inserts_a_contribution_which_keeps_its_provenance_into_the_export(api, web, seeded):
    import json

    from lxml import etree

    from tests.test_exports import XSD, _members
    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    suf = _user(seeded, "suf-fagperson", [("kk-suf", "contributor")])
    inquiry = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()
    iid, (q1, q2) = inquiry["id"], (q["id"] for q in inquiry["questions"])
    c = _ask(api, iid, question_ids=[q2]).json()
    unanswered = _ask(api, iid, note="Og budgettet").json()
    api.client.post(f"/api/v1/contributions/{c['id']}/answer", headers=suf, json={"text": "SUF gør tre ting ved det."})
    lid = api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "brev"}).json()["id"]

    drafter = web("drafter")
    page = drafter.get(f"/breve/{lid}")
    # Beside question 2 only (the one it covers), marked with who wrote it.
    assert page.text.count(f'value="bidrag:{q2}:{c["id"]}"') == 1 and f'value="bidrag:{q1}:' not in page.text
    assert "Bidrag fra Direktionen (Suf Fagperson" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    version = re.search(r'name="version" value="(\d+)" id="version"', page.text).group(1)
    r = drafter.post(f"/breve/{lid}", data={"csrf": csrf, "version": version, "title": "Svar", "kind": "brev",
                                            "action": f"bidrag:{q2}:{c['id']}"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = drafter.get(f"/breve/{lid}").text
    assert f'value="{q2}:t:{c["id"]}:0:1"' in after and "SUF gør tre ting ved det." in after
    assert f'value="bidrag:{q2}:{c["id"]}"' not in after  # inserted: no longer offered
    letter = api.get(f"/api/v1/letters/{lid}").json()
    block = next(a for a in letter["answers"] if a["question_id"] == q2)["blocks"][0]
    assert block == {"paragraph_id": None, "paragraph_version": None, "text": "SUF gør tre ting ved det.", "contribution_id": c["id"]}

    # Through the API: an unanswered contribution, or another inquiry's, is no provenance.
    other = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()
    foreign = _ask(api, other["id"]).json()
    api.client.post(f"/api/v1/contributions/{foreign['id']}/answer", headers=suf, json={"text": "Andet svar"})
    for cid in (unanswered["id"], foreign["id"], 10**12):
        bad = api.put(f"/api/v1/letters/{lid}", json={"version": letter["version"], "answers": [
            {"question_id": q2, "blocks": [{"text": "x", "contribution_id": cid}]}]})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "contribution_id", bad.text
    # The drafter edits the text; the provenance stays with the block.
    saved = api.put(f"/api/v1/letters/{lid}", json={"version": letter["version"], "answers": [
        {"question_id": q1, "blocks": [{"text": "Ventetiden er 41 dage."}]},
        {"question_id": q2, "blocks": [{"text": "Forvaltningen gør tre ting ved det.", "contribution_id": c["id"]}]}]})
    assert saved.status_code == 200, saved.text
    history = api.get(f"/api/v1/audit?letter_id={lid}").json()["items"]
    assert any(f"(bidrag {c['id']})" in json.dumps(e["detail"], ensure_ascii=False) for e in history)
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    assert api.approve(lid).status_code == 200
    files = _members(api.get(f"/api/v1/letters/{lid}/export").content)
    meta = json.loads(files["metadata.json"])
    assert [(x["unit"], x["answered_by"], x["questions"]) for x in meta["contributions"]] == [("Direktionen", "Suf Fagperson", [2])]
    XSD.assertValid(etree.fromstring(files["metadata.xml"]))
