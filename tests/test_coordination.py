"""Coordination (issue 19): the inquiry's states and who moves them, allocation and the work queues, extensions
across Easter and Christmas, transfer between organisations, decline, and the interim reply as a letter kind."""

import io
import json
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
import time_machine
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.inquiries import states
from app.inquiries.states import Move
from app.letters import kinds
from app.models import Inquiry, InquiryState, Organisation, Role
from app.policy import Access
from app.rendering import docx as docx_render
from app.rendering.templates import TEMPLATES_DIR
from tests.test_api_inquiries import _new
from tests.test_isolation import add_second_copenhagen_organisation

S = InquiryState
ORG, ELSEWHERE = 1, 2


# --- the state machine, without a database --------------------------------------------------------------------

# Who may make each move in their own organisation, written out independently of app/inquiries/states.py.
MAY = {
    Move.allocate: {"drafter", "approver", "admin"}, Move.transfer: {"drafter", "approver", "admin"},
    Move.decline: {"drafter", "approver", "admin"}, Move.draft: {"drafter", "admin"}, Move.ask: {"drafter", "admin"},
    Move.submit: {"drafter", "admin"}, Move.reopen: {"drafter", "admin"}, Move.return_: {"approver"},
    Move.approve: {"approver"}, Move.contributions_in: {r.value for r in Role}, Move.hand_back: set(),
}


def _who(role: str, *, user_id: int = 7, leads: frozenset[int] = frozenset()) -> Access:
    return Access(user_id=user_id, active=True, roles={ORG: frozenset({Role(role)})}, readable=frozenset({ORG}),
                  units=frozenset({11}), leads=leads)


@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_move_by_every_role_here_and_in_another_organisation(move, role):
    for state, after in states.TRANSITIONS[move].items():
        here = Inquiry(id=1, organisation_id=ORG, state=state, drafter_id=99, unit_id=11)
        assert states.allowed(_who(role), move, here) == (role in MAY[move]), (move, role, state)
        assert states.target(move, state) == after
        # Another organisation's (or municipality's) inquiry: no move for anyone.
        there = Inquiry(id=2, organisation_id=ELSEWHERE, state=state, drafter_id=7, unit_id=11)
        assert not states.allowed(_who(role), move, there)
    # A state the move does not start from refuses it for everyone.
    for state in set(S) - set(states.TRANSITIONS[move]):
        assert not states.allowed(_who("admin"), move, Inquiry(id=1, organisation_id=ORG, state=state, drafter_id=7))


def test_the_assignee_hands_back_and_a_unit_lead_allocates_without_a_secretariat_role():
    mine = Inquiry(id=1, organisation_id=ORG, state=S.allocated, drafter_id=7, unit_id=11)
    assert states.allowed(_who("contributor", user_id=7), Move.hand_back, mine)
    assert not states.allowed(_who("drafter", user_id=8), Move.hand_back, mine)
    assert states.allowed(_who("contributor", leads=frozenset({11})), Move.allocate, mine)
    assert not states.allowed(_who("contributor", leads=frozenset({12})), Move.allocate, mine)


def test_every_state_has_a_status_and_a_label_and_closed_states_have_no_way_out_but_letters():
    assert set(states.STATUS) == set(S) == set(states.LABELS)
    for move in (Move.allocate, Move.hand_back, Move.ask, Move.transfer, Move.decline):
        assert not set(states.TRANSITIONS[move]) & {S.answered, S.declined}, move


def test_every_letter_kind_has_its_template_and_its_docx_layout():
    for kind in kinds.REGISTRY.values():
        assert (TEMPLATES_DIR / kind.template).is_file(), kind
        assert kind.layout in docx_render.LAYOUTS, kind


# --- through the API, on both databases -----------------------------------------------------------------------


def _user(seeded, username: str, units: list[tuple[str, str]]) -> dict[str, str]:
    with Session(seeded) as session:
        auth_service.add_user(session, username=username, role=units[0][1], name=username.title(), units=units)
        return {"Authorization": f"Bearer {auth_service.create_token(session, username=username)}"}


def _ids(api, queue: str, headers: dict) -> list[int]:
    r = api.client.get(f"/api/v1/inquiries?queue={queue}&limit=200", headers=headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def test_allocate_hand_back_and_answer_moves_through_the_queues(api, seeded):
    clerk = _user(seeded, "kk-sagsbehandler", [("kk-bif", "drafter")])
    aalborg = _user(seeded, "aalborg-sekretariat", [("aalborg-fb", "drafter")])
    inquiry = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()
    iid = inquiry["id"]
    assert inquiry["state"] == "ny" and inquiry["unit"] is None and inquiry["assignee"] is None
    assert iid in _ids(api, "unassigned", api.headers())
    assert iid not in _ids(api, "unassigned", aalborg)  # and from the other municipality: not there at all
    assert api.client.post(f"/api/v1/inquiries/{iid}/allocate", headers=aalborg, json={"unit": "kk-bif"}).status_code == 404

    r = api.post(f"/api/v1/inquiries/{iid}/allocate", json={"unit": "kk-bif", "assignee": "kk-sagsbehandler"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["unit"]["key"], r.json()["assignee"]["username"]) == ("fordelt", "kk-bif", "kk-sagsbehandler")
    assert iid in _ids(api, "mine", clerk) and iid in _ids(api, "team", clerk) and iid not in _ids(api, "unassigned", api.headers())
    # Changing an allocation needs a reason; an assignee who does not draft there, or a unit elsewhere, is unknown.
    assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "test-drafter"}).status_code == 422
    assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"unit": "aalborg-fb", "reason": "x"}).status_code == 422
    assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "aalborg-sekretariat", "reason": "x"}).status_code == 422
    # Only the assignee hands it back, with a reason; it is then unallocated again.
    assert api.post(f"/api/v1/inquiries/{iid}/hand_back", json={"reason": "Ikke mit område"}).status_code == 403
    r = api.client.post(f"/api/v1/inquiries/{iid}/hand_back", headers=clerk, json={"reason": "Ikke mit område"})
    assert r.status_code == 200 and r.json()["state"] == "ny" and r.json()["assignee"] is None, r.text
    assert iid in _ids(api, "unassigned", api.headers()) and iid not in _ids(api, "mine", clerk)

    api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "test-drafter"})
    letter = api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "brev"}).json()
    assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "under_udarbejdelse"
    answers = [{"question_id": q["id"], "blocks": [{"text": "Ventetiden er 4 uger."}]} for q in inquiry["questions"]]
    api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "answers": answers})
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
    assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "til_godkendelse"
    assert iid in _ids(api, "to_approve", api.headers("approver")) and iid not in _ids(api, "to_approve", clerk)
    api.post(f"/api/v1/letters/{letter['id']}/return", role="approver", json={"comment": "Tilføj kilde"})
    assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "under_udarbejdelse"
    api.post(f"/api/v1/letters/{letter['id']}/submit", json={})
    assert api.approve(letter["id"]).status_code == 200
    assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "besvaret"
    assert iid not in _ids(api, "mine", api.headers()) and iid not in _ids(api, "due_soon", api.headers())
    trail = [e["action"] for e in api.get(f"/api/v1/audit?inquiry_id={iid}").json()["items"] if e["action"].startswith("inquiry.")]
    assert trail == ["inquiry.create", "inquiry.allocate", "inquiry.hand_back", "inquiry.allocate", "inquiry.draft",
                     "inquiry.submit", "inquiry.return", "inquiry.submit", "inquiry.approve"]
    # Nothing moves an answered inquiry's allocation.
    assert api.post(f"/api/v1/inquiries/{iid}/allocate", json={"assignee": "kk-sagsbehandler", "reason": "x"}).status_code == 409


def test_overdue_and_due_soon_are_counted_in_working_days(api):
    with time_machine.travel(datetime(2027, 12, 21, 9, tzinfo=UTC)):  # Tuesday before Christmas
        soon = api.post("/api/v1/inquiries", json=_new(received_on="2027-12-01", deadline="2027-12-27")).json()["id"]
        later = api.post("/api/v1/inquiries", json=_new(received_on="2027-12-01", deadline="2027-12-29")).json()["id"]
        late = api.post("/api/v1/inquiries", json=_new(received_on="2027-12-01", deadline="2027-12-20")).json()["id"]
        # 22, 23 and 27 December are the next three working days (24, 25, 26 closed).
        assert soon in _ids(api, "due_soon", api.headers()) and later not in _ids(api, "due_soon", api.headers())
        assert late in _ids(api, "overdue", api.headers()) and late not in _ids(api, "due_soon", api.headers())
        items = api.get("/api/v1/inquiries?queue=overdue&limit=200").json()["items"]
        assert [i["deadline"] for i in items] == sorted(i["deadline"] for i in items)


def test_extensions_across_easter_and_christmas_keep_their_history(api):
    with time_machine.travel(datetime(2027, 3, 22, 9, tzinfo=UTC)):  # Monday of Holy Week 2027
        created = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-15")).json()
        iid, first = created["id"], created["deadline"]
        for closed in ("2027-03-25", "2027-03-26", "2027-03-29"):  # Maundy Thursday, Good Friday, Easter Monday
            r = api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": closed, "reason": "Påske"})
            assert r.status_code == 422 and "not a working day" in r.text, r.text
        assert api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-03-19", "reason": "x"}).status_code == 422
        r = api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-03-30", "reason": "Afventer tal fra Jobcenter"})
        assert r.status_code == 200 and r.json()["deadline"] == "2027-03-30", r.text
        assert api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-04-01", "reason": "x"}).status_code == 200
    with time_machine.travel(datetime(2027, 12, 20, 9, tzinfo=UTC)):
        for closed in ("2027-12-24", "2027-12-25", "2027-12-26", "2027-12-31", "2028-01-01"):
            assert api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": closed, "reason": "Jul"}).status_code == 422
        r = api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-12-27", "reason": "Jul"})
        assert r.status_code == 200
    history = r.json()["deadline_history"]
    assert [(h["from"], h["to"], h["reason"], h["by"]) for h in history] == [
        (first, "2027-03-30", "Afventer tal fra Jobcenter", "test-drafter"),
        ("2027-03-30", "2027-04-01", "x", "test-drafter"),
        ("2027-04-01", "2027-12-27", "Jul", "test-drafter"),
    ]


def test_extension_refusals_by_role_and_municipality(api, seeded):
    viewer = _user(seeded, "kk-laeser", [("kk-bif", "viewer")])
    aalborg = _user(seeded, "aalborg-chef", [("aalborg-fb", "admin")])
    iid = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()["id"]
    body = {"deadline": "2030-01-02", "reason": "Mere tid"}
    assert api.client.post(f"/api/v1/inquiries/{iid}/extend", headers=viewer, json=body).status_code == 403
    assert api.client.post(f"/api/v1/inquiries/{iid}/extend", headers=aalborg, json=body).status_code == 404
    assert api.get(f"/api/v1/inquiries/{iid}").json()["deadline_history"] == []


def test_a_transfer_moves_the_inquiry_and_the_former_owner_loses_it(api, seeded):
    with Session(seeded) as session:
        add_second_copenhagen_organisation(session)
    bif = _user(seeded, "bif-sekretariat", [("kk-bif", "drafter")])
    suf = _user(seeded, "suf-sekretariat", [("kk-suf", "drafter")])
    iid = api.client.post("/api/v1/inquiries", headers=bif, json=_new(received_on=date.today().isoformat())).json()["id"]
    api.client.post(f"/api/v1/inquiries/{iid}/allocate", headers=bif, json={"assignee": "bif-sekretariat"})
    assert api.client.post(f"/api/v1/inquiries/{iid}/transfer", headers=bif,
                           json={"organisation": "aalborg-fb", "reason": "x"}).status_code == 422  # other municipality
    assert api.client.post(f"/api/v1/inquiries/{iid}/transfer", headers=bif,
                           json={"organisation": "kk-bif", "reason": "x"}).status_code == 422  # its own
    r = api.client.post(f"/api/v1/inquiries/{iid}/transfer", headers=bif,
                        json={"organisation": "kk-suf", "reason": "Hører under sundhedsområdet"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["organisation"]["key"], r.json()["assignee"]) == ("overdraget", "kk-suf", None)
    assert api.client.get(f"/api/v1/inquiries/{iid}", headers=bif).status_code == 404
    assert iid in _ids(api, "unassigned", suf) and iid not in _ids(api, "unassigned", bif)
    r = api.client.post(f"/api/v1/inquiries/{iid}/allocate", headers=suf, json={"assignee": "suf-sekretariat"})
    assert r.status_code == 200 and r.json()["state"] == "fordelt"
    trail = api.client.get(f"/api/v1/audit?inquiry_id={iid}", headers=suf).json()["items"]
    assert [e["action"] for e in trail][-3:] == ["inquiry.allocate", "inquiry.transfer", "inquiry.allocate"]


def test_decline_drafts_a_short_letter_and_keeps_the_inquiry_declined(api):
    inquiry = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()
    reason = "Spørgsmålet er besvaret i notat af 3. marts."
    r = api.post(f"/api/v1/inquiries/{inquiry['id']}/decline", json={"reason": reason})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert [b["text"] for a in letter["answers"] for b in a["blocks"]] == [reason, reason]
    assert api.get(f"/api/v1/inquiries/{inquiry['id']}").json()["state"] == "afvist"
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
    assert api.approve(letter["id"]).status_code == 200
    assert api.get(f"/api/v1/inquiries/{inquiry['id']}").json()["state"] == "afvist"
    assert api.post(f"/api/v1/inquiries/{inquiry['id']}/decline", json={"reason": reason}).status_code == 409


def test_an_interim_reply_is_its_own_kind_rendered_approved_and_exported(api, tmp_path):
    with time_machine.travel(datetime(2027, 3, 22, 9, tzinfo=UTC)):
        inquiry = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-15")).json()
        iid = inquiry["id"]
        assert api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "brev", "expected_answer_on": "2027-04-12"}).status_code == 422
        assert api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "svar"}).status_code == 422
        api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-04-12", "reason": "Afventer bidrag"})
        r = api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "foreløbigt"})
        assert r.status_code == 201, r.text
        letter = r.json()
        assert letter["title"].startswith("Foreløbigt svar på") and letter["expected_answer_on"] == "2027-04-12"
        assert letter["intro"].startswith("Tak for din henvendelse af 15. marts 2027")
        # It does not move the inquiry, and it cannot become an answer.
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "ny"
        assert api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "kind": "brev"}).status_code == 422
        stale = api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "expected_answer_on": "2027-03-19"})
        assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 422  # a promise already past
        api.put(f"/api/v1/letters/{letter['id']}", json={"version": stale.json()["version"], "expected_answer_on": "2027-04-12"})
        assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "ny"
        assert api.approve(letter["id"]).status_code == 200
        assert api.get(f"/api/v1/inquiries/{iid}").json()["state"] == "ny"
    pdf = api.get(f"/api/v1/letters/{letter['id']}/document.pdf")
    assert pdf.status_code == 200, pdf.text
    # The kind's name is not ASCII: the file name comes in both forms (RFC 6266).
    assert pdf.headers["content-disposition"] == (f"inline; filename=\"foreloebigt-{letter['id']}-v{letter['version'] + 3}.pdf\"; "
                                                  f"filename*=UTF-8''forel%C3%B8bigt-{letter['id']}-v{letter['version'] + 3}.pdf")
    (tmp_path / "l.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Vi forventer at kunne svare dig senest 12. april 2027." in " ".join(text.split())
    assert "Hvor lang er ventetiden?" in text and "2024 - 1234" in text and "Ad 1" not in text
    words = " ".join(p.text for p in docx.Document(io.BytesIO(api.get(f"/api/v1/letters/{letter['id']}/document.docx").content)).paragraphs)
    assert "Vi forventer at kunne svare dig senest 12. april 2027." in words and "Med venlig hilsen" in words
    bundle = zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/letters/{letter['id']}/export").content))
    metadata = json.loads(bundle.read("metadata.json"))
    assert (metadata["document_kind"], metadata["document_type"]) == ("foreløbigt", "Udgående brev")


def test_every_stored_state_is_one_the_machine_knows(seeded):
    with Session(seeded) as session:
        stored = set(session.exec(select(Inquiry.state)).all())
        assert stored <= {s.value for s in S}
        assert session.exec(select(Organisation)).first() is not None


def test_the_machine_draws_what_it_allows():
    """The module's drawing names every state, so that a reader sees them all."""
    doc = Path(states.__file__).read_text(encoding="utf-8").split('"""')[1]
    assert all(s.value in doc for s in S)


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_inbox_queues_and_the_inquiry_page_forms_in_danish(web, seeded):
    from tests.test_web import csrf_of

    with time_machine.travel(datetime(2027, 3, 22, 9, tzinfo=UTC)):
        c = web("drafter")
        token = csrf_of(c)
        created = c.post("/henvendelser/ny", data={"csrf": token, "action": "opret", "title": "Ventetider", "asker_name": "Anne",
                                                   "received_on": "2027-03-22", "question": ["Hvor lang er ventetiden?"],
                                                   "organisation": "kk-bif"}, follow_redirects=False)
        iid = int(created.headers["location"].rsplit("/", 1)[1])
        inbox = c.get("/indbakke").text
        assert "Ufordelte" in inbox and "Til godkendelse hos mig" in inbox and "Frist inden for 3 arbejdsdage" in inbox
        unassigned = c.get("/indbakke?koe=unassigned").text
        assert f'href="/henvendelser/{iid}"' in unassigned and 'aria-current="page"' in unassigned
        r = c.post(f"/henvendelser/{iid}/fordel", data={"csrf": token, "unit": "kk-bif", "assignee": "web-drafter"},
                   follow_redirects=False)
        assert r.status_code == 303 and f'href="/henvendelser/{iid}"' in c.get("/indbakke?koe=mine").text
        page = c.get(f"/henvendelser/{iid}?ok=fordelt").text
        assert "Henvendelsen er fordelt." in page and "Web drafter" in page and "Fordelt" in page
        # A change without a reason, and a deadline on Good Friday: Danish messages by the open form; nothing changes.
        r = c.post(f"/henvendelser/{iid}/fordel", data={"csrf": token, "unit": "kk-bif", "assignee": "web-admin"})
        assert r.status_code == 422 and "Skriv hvorfor" in r.text
        r = c.post(f"/henvendelser/{iid}/frist", data={"csrf": token, "deadline": "2027-03-26", "reason": "Påske"})
        assert r.status_code == 422 and "arbejdsdag" in r.text and '<details class="card" id="extend" open>' in r.text
        r = c.post(f"/henvendelser/{iid}/frist", data={"csrf": token, "deadline": "2027-04-20", "reason": "Afventer tal"},
                   follow_redirects=False)
        assert r.status_code == 303
        page = c.get(f"/henvendelser/{iid}").text
        assert "Fristens historik" in page and "Afventer tal" in page and "20. april 2027" in page
        # The interim reply from the inquiry page: its own editor, the promise instead of answers.
        r = c.post(f"/henvendelser/{iid}/breve", data={"csrf": token, "kind": "foreløbigt"}, follow_redirects=False)
        editor = c.get(r.headers["location"]).text
        assert "Foreløbigt svar" in editor and 'name="expected_answer_on" value="2027-04-20"' in editor
        assert "Spørgsmålene, svaret gælder" in editor and 'id="qh' not in editor
    # Another municipality's user sees none of it.
    with Session(seeded) as session:
        auth_service.add_user(session, username="aalborg-web", role="drafter", name="Aalborg", password="hemmeligt-kodeord",
                              units=[("aalborg-fb", "drafter")])
    other = web(None)
    other.post("/login", data={"username": "aalborg-web", "password": "hemmeligt-kodeord"})
    assert other.get(f"/henvendelser/{iid}").status_code == 404
    assert other.post(f"/henvendelser/{iid}/fordel", data={"csrf": csrf_of(other), "unit": "aalborg-fb"}).status_code == 404


def test_the_inbox_asks_for_an_interim_reply_when_the_deadline_will_be_missed(api):
    with time_machine.travel(datetime(2027, 3, 22, 9, tzinfo=UTC)):  # Monday; 23 and 24 March are the next working days
        iid = api.post("/api/v1/inquiries", json=_new(received_on="2027-03-01", deadline="2027-03-24")).json()["id"]
        inquiry = api.get(f"/api/v1/inquiries/{iid}").json()
        assert inquiry["draft_due"] == "2027-03-22" and inquiry["needs_interim"] is False  # two working days left
    with time_machine.travel(datetime(2027, 3, 23, 9, tzinfo=UTC)):
        assert api.get(f"/api/v1/inquiries/{iid}").json()["needs_interim"] is True
        # Extended and promised: no longer asked for.
        api.post(f"/api/v1/inquiries/{iid}/extend", json={"deadline": "2027-04-06", "reason": "Afventer bidrag"})
        assert api.get(f"/api/v1/inquiries/{iid}").json()["needs_interim"] is False
    with time_machine.travel(datetime(2027, 4, 5, 9, tzinfo=UTC)):  # Easter Monday was 29 March; 6 April is one working day off
        assert api.get(f"/api/v1/inquiries/{iid}").json()["needs_interim"] is True
        api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "foreløbigt"})
        assert api.get(f"/api/v1/inquiries/{iid}").json()["needs_interim"] is False


def test_bulk_allocation_and_deadline_name_what_could_not_be_changed(web, api):
    from tests.test_web import csrf_of

    ids = [api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()["id"] for _ in range(3)]
    answered = 1  # the bank's Copenhagen inquiry, answered long ago
    c = web("drafter")
    token = csrf_of(c)
    r = c.post("/indbakke/samlet", data={"csrf": token, "inquiry": [*map(str, ids), str(answered)], "action": "fordel",
                                         "assignee": "web-drafter"}, follow_redirects=False)
    assert r.status_code == 303 and "udfoert=3" in r.headers["location"] and f"fejl={answered}" in r.headers["location"]
    page = c.get(r.headers["location"]).text
    assert "3 henvendelser fordelt." in page and "kunne ikke ændres" in page
    assert all(api.get(f"/api/v1/inquiries/{i}").json()["assignee"]["username"] == "web-drafter" for i in ids)
    r = c.post("/indbakke/samlet", data={"csrf": token, "inquiry": [str(i) for i in ids], "action": "frist",
                                         "deadline": "2030-01-02", "reason": "Budgetforhandlinger"}, follow_redirects=False)
    assert "udfoert=3" in r.headers["location"] and "fejl" not in r.headers["location"]
    assert {api.get(f"/api/v1/inquiries/{i}").json()["deadline"] for i in ids} == {"2030-01-02"}
    # An id of another municipality's inquiry is refused like an unknown one, and its title is not shown.
    r = c.post("/indbakke/samlet", data={"csrf": token, "inquiry": ["999999"], "action": "fordel", "assignee": "web-drafter"},
               follow_redirects=False)
    assert "udfoert=0" in r.headers["location"] and "kunne ikke" not in c.get(r.headers["location"]).text


def test_the_allocation_form_suggests_the_unit_that_answered_a_similar_question(web, api):
    r = api.post("/api/v1/units", role="admin", json={"key": "kk-bif-jobcenter", "name": "Jobcenter København",
                                                      "organisation": "kk-bif"})
    assert r.status_code == 201, r.text
    earlier = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat(), title="Ventetider på lægekonsulent",
                                                      questions=[{"text": "Hvor lang er ventetiden på lægekonsulentvurderinger i jobcentret?"}])).json()
    api.post(f"/api/v1/inquiries/{earlier['id']}/allocate", json={"unit": "kk-bif-jobcenter"})
    letter = api.post("/api/v1/letters", json={"inquiry_id": earlier["id"], "kind": "brev"}).json()
    plain = api.post("/api/v1/paragraphs", json={"key": "kk-ventetid-lk", "title": "Ventetid", "organisation": "kk-bif",
                                                 "text": "Ventetiden er fire uger."}).json()["id"]
    api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "answers": [
        {"question_id": earlier["questions"][0]["id"], "blocks": [{"paragraph_id": plain}]}]})
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
    assert api.approve(letter["id"]).status_code == 200  # answered: its question joins the search index
    new = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat(), title="Lægekonsulenter",
                                                  questions=[{"text": "Hvad er ventetiden på en lægekonsulentvurdering?"}])).json()
    page = web("drafter").get(f"/henvendelser/{new['id']}").text
    assert "Forslag: Jobcenter København" in page and "Ventetider på lægekonsulent" in page
    assert '<option value="kk-bif-jobcenter" selected>' in page
    assert api.get(f"/api/v1/inquiries/{new['id']}").json()["unit"] is None  # offered, not applied


def test_an_interim_reply_starts_from_the_organisations_library_paragraph_never_another_municipalitys(api):
    text = "Vi har bedt Sundhedsforvaltningen om tal og venter på dem. Vi beklager ventetiden."
    r = api.post("/api/v1/paragraphs", json={"key": "aalborg-fb-forelobigt-svar", "title": "Foreløbigt svar (Aalborg)",
                                             "text": "Aalborgs tekst.", "organisation": "aalborg-fb"})
    assert r.status_code == 201, r.text
    iid = api.post("/api/v1/inquiries", json=_new(received_on=date.today().isoformat())).json()["id"]
    # Copenhagen has none of its own yet: the standard text, not Aalborg's.
    first = api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "foreløbigt"}).json()
    assert first["intro"].startswith("Tak for din henvendelse af") and "Aalborg" not in first["intro"]
    r = api.post("/api/v1/paragraphs", json={"key": "kk-bif-forelobigt-svar", "title": "Foreløbigt svar",
                                             "text": text, "organisation": "kk-bif"})
    assert r.status_code == 201, r.text
    second = api.post("/api/v1/letters", json={"inquiry_id": iid, "kind": "foreløbigt"}).json()
    assert second["intro"] == text
