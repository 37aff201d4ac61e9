"""The letter workflow: rules in the service, approval freezes, the database refuses changes, the audit chain."""

import hashlib
import io
import tempfile
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.audit import service as audit_service
from app.models import User
from app.organisations import structure
from tests.documents import docx_text, pdftotext, squash
from tests.test_api_inquiries import _new
from tests.test_bank_import import _besvar


def _paragraph_id(api, key: str) -> int:
    return next(p["id"] for p in api.get("/api/v1/paragraphs", params={"limit": 200}).json()["items"] if p["key"] == key)


@pytest.fixture
def draft(api):
    """An Aalborg letter with both questions answered: a library paragraph of Aalborg's with a figure, and free text."""
    inquiry = api.post("/api/v1/inquiries", json=_new(organisation="aalborg-fb")).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    q1, q2 = (q["id"] for q in inquiry["questions"])
    answers = [
        {"question_id": q1, "blocks": [{"paragraph_id": _paragraph_id(api, "aalborg-kontanthjaelpssager-udvikling")}]},
        {"question_id": q2, "blocks": [{"text": "Forvaltningen følger ventetiden hver måned."}]},
    ]
    saved = api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": answers, "letter_date": "2024-12-20"})
    assert saved.status_code == 200, saved.text
    return saved.json()


def test_the_whole_day_over_the_api(api, draft):
    lid = draft["id"]
    assert draft["version"] == 2 and draft["answers"][0]["blocks"][0]["paragraph_version"] == 1
    # Submit, and a double click: one transition. Submitting moves the version on (the figures are pinned).
    submitted = api.post(f"/api/v1/letters/{lid}/submit", json={"version": 2})
    assert submitted.status_code == 200 and submitted.json()["version"] == 3
    again = api.post(f"/api/v1/letters/{lid}/submit", json={"version": 2})
    assert again.status_code == 409
    # The approver returns it with a comment; the drafter sees it on the draft.
    assert api.post(f"/api/v1/letters/{lid}/return", role="drafter", json={"comment": "x"}).status_code == 403
    returned = api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Tilføj tallene fra 2014."})
    assert returned.json()["status"] == "draft" and returned.json()["return_comment"] == "Tilføj tallene fra 2014."
    # Edits need the current version: a stale save is refused and changes nothing.
    stale = api.put(f"/api/v1/letters/{lid}", json={"version": 2, "title": "Gammel"})
    assert stale.status_code == 409
    assert api.put(f"/api/v1/letters/{lid}", json={"version": 3, "title": "Svar om ventetider"}).json()["version"] == 4
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).json()["status"] == "submitted"
    # Only approvers approve.
    assert api.approve(lid, role="drafter").status_code == 403
    assert api.approve(lid, role="admin").status_code == 403
    approved = api.approve(lid, role="approver")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and set(body["documents"]) == {"pdf", "docx"}
    assert {"key": "aalborg-kontanthjaelpssager", "period": "2013-11-01", "value": 5555.0, "source": "jobindsats.dk"} in body["frozen_statistics"]
    assert api.approve(lid, role="approver").status_code == 409
    # The approved PDF carries the approval and is served from its frozen bytes.
    pdf = api.get(f"/api/v1/letters/{lid}/document.pdf").content
    assert hashlib.sha256(pdf).hexdigest() == body["documents"]["pdf"]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.pdf"
        path.write_bytes(pdf)
        text_ = squash(pdftotext(path))
    assert squash("Godkendt af Test approver") in text_ and "2024-1234" in text_
    # An approved letter never changes through the API.
    assert api.put(f"/api/v1/letters/{lid}", json={"version": 3, "title": "Ændret"}).status_code == 409
    assert api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "for sent"}).status_code == 409
    # The inquiry is answered; the trail tells the story in order.
    assert api.get(f"/api/v1/inquiries/{body['inquiry_id']}").json()["status"] == "answered"
    actions = [e["action"] for e in api.get("/api/v1/audit", params={"letter_id": lid}).json()["items"]]
    assert actions == ["letter.create", "letter.update", "letter.submit", "letter.return", "letter.update",
                       "letter.submit", "letter.approve"]


def test_new_figures_reach_new_drafts_never_approved_letters(api, draft):
    lid = draft["id"]
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    before = api.approve(lid, role="approver").json()
    assert api.post("/api/v1/statistics/aalborg-kontanthjaelpssager/values", json={"period": "2024-11", "value": 7777}).status_code == 201
    after = api.get(f"/api/v1/letters/{lid}").json()
    assert after["frozen_statistics"] == before["frozen_statistics"]
    frozen = api.get(f"/api/v1/letters/{lid}/document.docx").content
    assert b"7.777" not in frozen
    # A correction is a new draft; it shows the new figure.
    corr = api.post(f"/api/v1/letters/{lid}/correct")
    assert corr.status_code == 201 and corr.json()["supersedes_id"] == lid and corr.json()["status"] == "draft"
    new_text = docx_text(api.get(f"/api/v1/letters/{corr.json()['id']}/document.docx").content)
    assert "7.777" in new_text


def test_submit_checks_personal_data_and_unanswered_questions(api, draft):
    lid = draft["id"]
    q1 = draft["answers"][0]["question_id"]
    q2 = draft["answers"][1]["question_id"]
    with_cpr = [{"question_id": q1, "blocks": [{"text": "Borgeren (010203-1234) kan kontaktes på anna@example.dk."}]},
                {"question_id": q2, "blocks": []}]
    api.put(f"/api/v1/letters/{lid}", json={"version": 2, "answers": with_cpr})
    missing = api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert missing.status_code == 422 and "question 2 has no answer" in missing.json()["detail"][0]["msg"]
    with_cpr[1]["blocks"] = [{"text": "Svar."}]
    api.put(f"/api/v1/letters/{lid}", json={"version": 3, "answers": with_cpr})
    flagged = api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert flagged.status_code == 422
    detail = flagged.json()["detail"][0]
    assert detail["loc"] == ["body", "confirm_personal_data"] and "CPR-nummer: 010203-1234" in detail["msg"]
    assert "e-mailadresse: anna@example.dk" in detail["msg"]
    ok = api.post(f"/api/v1/letters/{lid}/submit", json={"confirm_personal_data": True}).json()
    assert ok["personal_data_flags"] == [{"kind": "cpr", "text": "010203-1234"}, {"kind": "email", "text": "anna@example.dk"}]


def test_a_cpr_number_in_the_title_is_flagged_as_in_the_text(api, draft):
    """The title reaches every page header, the PDF's title and the export's metadata (issue 21, finding 13)."""
    lid = draft["id"]
    api.put(f"/api/v1/letters/{lid}", json={"version": 2, "title": "Svar vedrørende 010203-1234"})
    flagged = api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert flagged.status_code == 422 and "CPR-nummer: 010203-1234" in flagged.json()["detail"][0]["msg"]
    ok = api.post(f"/api/v1/letters/{lid}/submit", json={"confirm_personal_data": True}).json()
    assert ok["personal_data_flags"] == [{"kind": "cpr", "text": "010203-1234"}]


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"answers": [{"question_id": 1, "blocks": [{"text": "x"}]}]}, ["body", "answers", "0", "question_id"]),
        ({"answers": [{"question_id": 0, "blocks": []}]}, ["body", "answers", 0, "question_id"]),
        ({"answers": [{"question_id": 5, "blocks": [{"text": "x", "paragraph_id": 1}]}]}, ["body", "answers", 0, "blocks", 0]),
        ({"signatory_id": 424242}, ["body", "signatory_id"]),
        ({"letter_date": "2024-02-30"}, ["body", "letter_date"]),
        ({"kind": "sms"}, ["body", "kind"]),
    ],
)
def test_bad_saves_are_422_and_change_nothing(api, draft, patch, loc):
    r = api.put(f"/api/v1/letters/{draft['id']}", json={"version": 2} | patch)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert api.get(f"/api/v1/letters/{draft['id']}").json() == draft


def test_nobody_approves_their_own_draft(api, draft, seeded):
    assert api.post(f"/api/v1/letters/{draft['id']}/submit", json={}).status_code == 200
    with Session(seeded) as session:
        drafter = session.exec(select(User).where(User.username == "test-drafter")).one()
        structure.join(session, user=drafter, unit_key="aalborg-fb", role="approver")  # promoted after submitting
        session.commit()
    r = api.approve(draft['id'], role="drafter")
    assert r.status_code == 403 and "nobody approves a letter they drafted" in r.json()["detail"]
    assert api.get(f"/api/v1/letters/{draft['id']}").json()["status"] == "submitted"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE letter SET title = 'Ændret' WHERE status = 'approved'",
        "UPDATE letter SET status = 'draft' WHERE status = 'approved'",
        "DELETE FROM letter WHERE status = 'approved'",
        "UPDATE letter_block SET text = 'x' WHERE letter_id IN (SELECT id FROM letter WHERE status = 'approved')",
        "DELETE FROM letter_block WHERE letter_id IN (SELECT id FROM letter WHERE status = 'approved')",
        "INSERT INTO letter_block (letter_id, question_id, position, text) "
        "SELECT id, (SELECT MIN(id) FROM question), 99, 'x' FROM letter WHERE status = 'approved'",
        "UPDATE letter_document SET content = content",
        "DELETE FROM letter_document",
        "UPDATE audit_entry SET actor = 'mallory'",
        "DELETE FROM audit_entry",
    ],
)
def test_the_database_refuses_to_change_what_is_frozen(api, draft, seeded, statement):
    api.post(f"/api/v1/letters/{draft['id']}/submit", json={})
    assert api.approve(draft['id'], role="approver").status_code == 200
    with seeded.connect() as conn:
        with pytest.raises(DBAPIError):
            with conn.begin():
                conn.execute(text(statement))


def _tamper(engine, statements: list[str]) -> None:
    """Change the trail as someone with database rights could: with the append-only guard off."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_entry_update"))
            conn.execute(text("DROP TRIGGER audit_entry_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        for statement in statements:
            conn.execute(text(statement))


TAMPERING = {
    "edited": ["UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"],
    "detail edited": ["UPDATE audit_entry SET detail = '{}' WHERE seq = 4"],
    "deleted": ["DELETE FROM audit_entry WHERE seq = 3"],
    "reordered": ["UPDATE audit_entry SET seq = -1 WHERE seq = 3", "UPDATE audit_entry SET seq = 3 WHERE seq = 4",
                  "UPDATE audit_entry SET seq = 4 WHERE seq = -1"],
    "truncated": ["DELETE FROM audit_entry WHERE seq >= 5"],
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_audit_verify_finds_tampering(api, draft, seeded, database_url, case):
    api.post(f"/api/v1/letters/{draft['id']}/submit", json={})
    with Session(seeded) as session:
        assert audit_service.verify(session).ok
    ok = _besvar(["audit", "verify"], database_url)
    assert ok.returncode == 0 and "intact" in ok.stdout
    _tamper(seeded, TAMPERING[case])
    with Session(seeded) as session:
        result = audit_service.verify(session)
    assert not result.ok and result.problem
    broken = _besvar(["audit", "verify"], database_url)
    assert broken.returncode == 1 and "audit trail broken" in broken.stderr


def test_ten_clicks_on_correct_make_one_correction(api, draft, seeded):
    """Ten parallel corrections of one approved letter: one draft, nine 409s; the next correction is of the correction."""
    import asyncio

    import httpx

    from app.models import Letter

    lid = draft["id"]
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert api.approve(lid).status_code == 200

    async def clicks() -> list[int]:
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
            calls = [client.post(f"/api/v1/letters/{lid}/correct", headers=api.headers()) for _ in range(10)]
            return [r.status_code for r in await asyncio.gather(*calls)]

    statuses = asyncio.run(clicks())
    assert sorted(statuses) == [201] + [409] * 9, statuses
    with Session(seeded) as session:
        corrections = session.exec(select(Letter.id).where(Letter.supersedes_id == lid)).all()
    assert len(corrections) == 1
    again = api.post(f"/api/v1/letters/{lid}/correct")
    assert again.status_code == 409 and f"corrected by letter {corrections[0]}" in again.json()["detail"]
