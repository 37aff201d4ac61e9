"""The approver approves exactly what they were shown: the version reviewed, with its figures as they were."""

import re

import pytest

from tests.documents import docx_text
from tests.test_web import csrf_of
from tests.test_workflow import draft  # noqa: F401 - the fixture


def test_a_review_page_approves_only_the_version_it_showed(api, draft, web):  # noqa: F811
    lid = draft["id"]
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    director = web("approver")
    review = director.get(f"/godkendelse/{lid}").text
    seen = re.search(r'name="version" value="(\d+)"', review)[1]
    assert f"dokument.pdf?version={seen}" in review
    # Meanwhile another approver returns it, the drafter changes it, and it comes back.
    assert api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Ret tallet."}).status_code == 200
    current = api.get(f"/api/v1/letters/{lid}").json()
    changed = api.put(f"/api/v1/letters/{lid}", json={"version": current["version"], "title": "Et andet brev"})
    assert changed.status_code == 200
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    # The old page's approval is refused with a fresh review of the new text; nothing is approved.
    stale = director.post(f"/breve/{lid}/godkend", data={"csrf": csrf_of(director), "version": seen}, follow_redirects=False)
    assert stale.status_code == 409 and "Brevet er ændret, siden du åbnede det" in stale.text
    assert "Et andet brev" in stale.text
    assert api.get(f"/api/v1/letters/{lid}").json()["status"] == "submitted"
    fresh = re.search(r'name="version" value="(\d+)"', stale.text)[1]
    assert fresh != seen
    ok = director.post(f"/breve/{lid}/godkend", data={"csrf": csrf_of(director), "version": fresh}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"/breve/{lid}?ok=godkendt"
    approved = api.get(f"/api/v1/letters/{lid}").json()
    assert approved["status"] == "approved" and approved["title"] == "Et andet brev"


def test_a_resubmission_without_changes_still_needs_a_fresh_review(api, draft, web):  # noqa: F811
    """Between two submissions the figures may have moved on: a review belongs to one submission."""
    lid = draft["id"]
    first = api.post(f"/api/v1/letters/{lid}/submit", json={}).json()["version"]
    assert api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Vent."}).status_code == 200
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    r = api.post(f"/api/v1/letters/{lid}/approve", role="approver", json={"version": first})
    assert r.status_code == 409 and "review it again" in r.json()["detail"]


def test_a_figure_changed_after_the_preview_is_not_what_gets_approved(api, draft):  # noqa: F811
    lid = draft["id"]
    submitted = api.post(f"/api/v1/letters/{lid}/submit", json={}).json()
    shown = docx_text(api.get(f"/api/v1/letters/{lid}/document.docx").content)
    assert "5.555" in shown
    # A new figure for the letter's period arrives while the director reads.
    added = api.post("/api/v1/statistics/aalborg-kontanthjaelpssager/values", json={"period": "2024-11", "value": 7777})
    assert added.status_code == 201
    again = docx_text(api.get(f"/api/v1/letters/{lid}/document.docx").content)
    assert "5.555" in again and "7.777" not in again  # the review still shows what was submitted
    approved = api.post(f"/api/v1/letters/{lid}/approve", role="approver", json={"version": submitted["version"]})
    assert approved.status_code == 200, approved.text
    frozen = approved.json()["frozen_statistics"]
    values = {f["value"] for f in frozen if f["key"] == "aalborg-kontanthjaelpssager"}
    assert 5555.0 in values and 7777.0 not in values
    assert "7.777" not in docx_text(api.get(f"/api/v1/letters/{lid}/document.docx").content)


def test_a_returned_letter_shows_the_live_figures_again(api, draft):  # noqa: F811
    lid = draft["id"]
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    api.post("/api/v1/statistics/aalborg-kontanthjaelpssager/values", json={"period": "2024-11", "value": 7777})
    assert api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Nye tal."}).status_code == 200
    assert "7.777" in docx_text(api.get(f"/api/v1/letters/{lid}/document.docx").content)


def test_approval_must_name_a_version(api, draft):  # noqa: F811
    lid = draft["id"]
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert api.post(f"/api/v1/letters/{lid}/approve", role="approver").status_code == 422
    assert api.post(f"/api/v1/letters/{lid}/approve", role="approver", json={"version": 1}).status_code == 409
    assert api.get(f"/api/v1/letters/{lid}").json()["status"] == "submitted"


def _answer(api, draft, text: str):  # noqa: F811
    """The draft with question 2's answer replaced by `text`."""
    q2 = draft["answers"][1]["question_id"]
    first = draft["answers"][0]
    answers = [{"question_id": first["question_id"], "blocks": [{"paragraph_id": b["paragraph_id"]} for b in first["blocks"]]},
               {"question_id": q2, "blocks": [{"text": "Forvaltningen følger ventetiden."}, {"text": text}]}]
    saved = api.put(f"/api/v1/letters/{draft['id']}", json={"version": draft["version"], "answers": answers})
    assert saved.status_code == 200, saved.text
    return saved.json()


@pytest.mark.parametrize(("text", "said"), [
    ("Skriv svaret her.", "question 2: the placeholder 'Skriv svaret her.' is still in the answer"),
    ("\u200b \u200b", "question 2: a text block is empty"),
    ("- ...", "question 2: a text block is empty"),
    ("Der var [[aalborg-kontanthjaelpssager@1999-01]] sager.", "question 2: no figure for aalborg-kontanthjaelpssager@1999-01"),
    ("[[tabel: findes-ikke]]", "question 2: no figure for findes-ikke"),
])
def test_unfinished_text_never_reaches_the_approver(api, draft, text, said):  # noqa: F811
    letter = _answer(api, draft, text)
    r = api.post(f"/api/v1/letters/{letter['id']}/submit", json={"version": letter["version"]})
    assert r.status_code == 422 and said in r.json()["detail"][0]["msg"], r.text
    assert api.get(f"/api/v1/letters/{letter['id']}").json()["status"] == "draft"


def test_the_editor_says_beside_the_block_what_is_unfinished(api, draft, web):  # noqa: F811
    letter = _answer(api, draft, "Skriv svaret her.")
    c = web("drafter")
    r = c.post(f"/breve/{letter['id']}/indsend", data={"csrf": csrf_of(c), "version": letter["version"]})
    assert r.status_code == 422 and "se beskederne ved spørgsmål 2" in r.text
    q2 = draft["answers"][1]["question_id"]
    assert re.search(rf'aria-describedby="[^"]*\bgap-{q2}-1\b', r.text)  # beside the text's format hint
    assert re.search(rf'id="gap-{q2}-1">Spørgsmål 2: Erstat “Skriv svaret her.” med svaret.<', r.text)


def test_a_returned_letter_says_so_in_the_inbox_and_on_the_inquiry(api, draft, web):  # noqa: F811
    lid, iid = draft["id"], draft["inquiry_id"]
    drafter = web("drafter")
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    assert "Til godkendelse" in drafter.get("/indbakke").text
    api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Tilføj tallene fra i år."})
    inbox = drafter.get("/indbakke").text
    row = inbox[inbox.index(f'href="/henvendelser/{iid}"'):].split("</tr>")[0]
    assert "Returneret" in row and "Tilføj tallene fra i år." in row and "Under udarbejdelse" not in row
    inquiry = drafter.get(f"/henvendelser/{iid}").text
    assert "Returneret" in inquiry and "Sendt retur af direktøren:</strong> Tilføj tallene fra i år." in inquiry
    assert api.get(f"/api/v1/inquiries/{iid}").json()["returned_comment"] == "Tilføj tallene fra i år."


def test_an_approver_opening_a_draft_reads_it_without_buttons_that_end_in_403(api, draft, web):  # noqa: F811
    page = web("approver").get(f"/breve/{draft['id']}").text
    assert "Kladden skrives af sekretariatet" in page
    assert 'action="/breve/' not in page and "Send til godkendelse" not in page
    assert 'action="/breve/' in web("drafter").get(f"/breve/{draft['id']}").text


def test_a_letter_back_from_return_shows_the_approver_what_changed(api, draft, web):  # noqa: F811
    lid = draft["id"]
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "Skriv hvad der gøres."})
    current = api.get(f"/api/v1/letters/{lid}").json()
    first, second = current["answers"]
    answers = [{"question_id": first["question_id"], "blocks": [{"paragraph_id": b["paragraph_id"]} for b in first["blocks"]]},
               {"question_id": second["question_id"], "blocks": [{"text": "Forvaltningen følger ventetiden hver uge og "
                                                                          "retter den, når den stiger."}]}]
    saved = api.put(f"/api/v1/letters/{lid}", json={"version": current["version"], "answers": answers})
    assert saved.status_code == 200, saved.text
    api.post(f"/api/v1/letters/{lid}/submit", json={})
    page = web("approver").get(f"/godkendelse/{lid}").text
    assert "Ændret siden brevet blev sendt retur" in page and "<h3>Svar 2</h3>" in page and "<h3>Svar 1</h3>" not in page
    assert re.search(r"<del><span class=\"sr\">fjernet: </span>måned\.\s*</del>", page)
    assert re.search(r"<ins><span class=\"sr\">tilføjet: </span>uge og retter den, når den stiger\.\s*</ins>", page)


def test_a_paragraphs_versions_can_be_compared(api, web):
    paragraph = api.get("/api/v1/paragraphs", params={"limit": 1}).json()["items"][0]
    full = api.get(f"/api/v1/paragraphs/{paragraph['id']}").json()
    changed = api.put(f"/api/v1/paragraphs/{paragraph['id']}", json={"version": full["version"], "title": full["title"],
                                                                     "text": full["text"] + " Tilføjet sætning."})
    assert changed.status_code == 200, changed.text
    new = changed.json()["version"]
    page = web("drafter").get(f"/bibliotek/afsnit/{paragraph['id']}?version={new}&sammenlign={new - 1}").text
    assert f"Version {new - 1} → version {new}" in page
    assert re.search(r'<ins><span class="sr">tilføjet: </span>[^<]*Tilføjet sætning\.</ins>', page)
    assert f"sammenlign={new - 1}" in web("drafter").get(f"/bibliotek/afsnit/{paragraph['id']}").text
