"""Property tests (hypothesis): any text survives storage and documents; the workflow never changes an approved letter.

Fast by default; `make test FULL=1` (BESVAR_FUZZ=full) runs ten times the examples.
"""

import hashlib
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlmodel import Session

from app.fields import clean_text
from app.rendering import context, docx, pdf
from tests.documents import docx_text, pdftotext, squash
from tests.test_api_inquiries import _new

FULL = os.environ.get("BESVAR_FUZZ") == "full"
SCALE = 10 if FULL else 1
RELAXED = dict(deadline=None, derandomize=not FULL, database=None, suppress_health_check=list(HealthCheck))

# Anything at all, control characters and lone surrogates included: the API must clean or refuse it.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=300)
# What the bundled fonts (Liberation Sans) draw: Latin, Latin-1, Latin Extended-A, general punctuation.
# Outside it a PDF holds a placeholder glyph, which is a font matter, not a lost character.
DRAWN_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x17F, exclude_categories=("Cc", "Cs"))
                     | st.sampled_from("–—‘’“”„…•€§½\n"), min_size=1, max_size=200)


def _stored(text: str) -> str:
    """The documented cleaning: CRLF → LF, unstorable characters out, NFC, outer whitespace stripped."""
    return clean_text(text).strip()


@pytest.fixture
def letter(api):
    """A draft letter with two questions; returns (letter id, question ids, a version counter)."""
    inquiry = api.post("/api/v1/inquiries", json=_new()).json()
    created = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    return created["id"], [q["id"] for q in inquiry["questions"]], [created["version"]]


def _stored_context(api, seeded, letter, text: str):
    """Save `text` as the first answer; the letter's render context, or None when nothing was left to store."""
    letter_id, questions, version = letter
    body = {"version": version[0], "answers": [{"question_id": questions[0], "blocks": [{"text": text}]}]}
    # json.dumps escapes lone surrogates as \ud800, as a client in another language may send them.
    response = api.client.put(f"/api/v1/letters/{letter_id}", content=json.dumps(body),
                              headers={**api.headers(), "Content-Type": "application/json"})
    if not _stored(text):
        assert response.status_code == 422  # nothing left to store is refused, never a 5xx
        return None
    assert response.status_code == 200, response.text
    version[0] = response.json()["version"]
    assert response.json()["answers"][0]["blocks"][0]["text"] == _stored(text)
    with Session(seeded) as session:
        return context.build(session, letter_id=letter_id)


def test_any_text_is_stored_cleaned_and_rendered(api, letter, seeded):
    stored = []

    @settings(max_examples=40 * SCALE, **RELAXED)
    @given(text=ANY_TEXT)
    def check(text):
        if ctx := _stored_context(api, seeded, letter, text):
            assert squash(_stored(text).replace("\n\n", "\n")) in squash(docx_text(docx.render(ctx)))
            stored.append(text)

    check()
    assert len(stored) >= 10 * SCALE  # the property was tried on real stores, not only on refusals


def test_drawn_text_comes_back_from_the_pdf(api, letter, seeded, tmp_path):
    rendered = []

    @settings(max_examples=8 * SCALE, **RELAXED)
    @given(text=DRAWN_TEXT)
    def check(text):
        if ctx := _stored_context(api, seeded, letter, text):
            path = tmp_path / "p.pdf"
            path.write_bytes(pdf.render(ctx))
            # Lines split, and a soft hyphen is drawn only where a line breaks: both are layout, not text.
            assert squash(_stored(text).replace("\u00ad", "")) in squash(pdftotext(path).replace("\u00ad", ""))
            rendered.append(text)

    check()
    assert len(rendered) >= 4 * SCALE


class Workflow(RuleBasedStateMachine):
    """Drafters save and submit, approvers return and approve, anyone tries to change approved letters."""

    api = None
    approvals = 0

    def __init__(self):
        super().__init__()
        inquiry = self.api.post("/api/v1/inquiries", json=_new()).json()
        self.questions = [q["id"] for q in inquiry["questions"]]
        self.letter = self.api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()["id"]
        self.approved: dict[int, tuple[dict, str]] = {}  # letter id → (its JSON at approval, its PDF's hash)
        self.answered: set[int] = set()

    def _current(self) -> dict:
        return self.api.get(f"/api/v1/letters/{self.letter}").json()

    def _status(self) -> str:
        return self._current()["status"]

    @rule(text=st.text(min_size=1, max_size=40))
    def save(self, text):
        now = self._current()
        answers = [{"question_id": q, "blocks": [{"text": f"{text} {i}"}]} for i, q in enumerate(self.questions)]
        r = self.api.put(f"/api/v1/letters/{self.letter}", json={"version": now["version"], "answers": answers})
        assert r.status_code == (200 if now["status"] == "draft" else 409), r.text
        self.answered.add(self.letter)

    @precondition(lambda self: self._status() == "draft")
    @rule()
    def submit(self):
        r = self.api.post(f"/api/v1/letters/{self.letter}/submit", json={"confirm_personal_data": True})
        assert r.status_code == (200 if self.letter in self.answered else 422), r.text  # unanswered questions

    @precondition(lambda self: self._status() == "submitted")
    @rule(comment=st.text(min_size=1, max_size=30).filter(str.strip))
    def return_(self, comment):
        r = self.api.post(f"/api/v1/letters/{self.letter}/return", role="approver", json={"comment": comment})
        assert r.status_code == 200, r.text

    @precondition(lambda self: self._status() == "submitted")
    @rule()
    def approve(self):
        r = self.api.approve(self.letter)
        assert r.status_code == 200, r.text
        body = r.json()
        self.approved[self.letter] = (body, body["documents"]["pdf"])
        Workflow.approvals += 1

    @rule()
    def out_of_turn(self):
        """Every transition the letter's state does not allow is a 409 that changes nothing."""
        before = self._current()
        allowed = {"draft": {"submit"}, "submitted": {"approve", "return"}, "approved": {"correct"}}[before["status"]]
        for action in {"submit", "approve", "return"} - allowed:
            role = "drafter" if action == "submit" else "approver"
            r = self.api.post(f"/api/v1/letters/{self.letter}/{action}", role=role, json={"comment": "x"})
            assert r.status_code in (409, 422), (action, before["status"], r.status_code)
        assert self._current() == before

    @precondition(lambda self: self._status() == "approved")
    @rule()
    def correct(self):
        r = self.api.post(f"/api/v1/letters/{self.letter}/correct")
        assert r.status_code in (200, 201), r.text
        self.letter = r.json()["id"]
        self.answered.add(self.letter)  # a correction starts from the approved answers

    @rule(text=st.text(max_size=20))
    def tamper(self, text):
        for lid, (body, _) in self.approved.items():
            r = self.api.put(f"/api/v1/letters/{lid}", json={"version": body["version"], "title": text or "x"})
            assert r.status_code in (409, 422)
            assert self.api.post(f"/api/v1/letters/{lid}/return", role="approver", json={"comment": "x"}).status_code == 409

    @invariant()
    def approved_letters_never_change(self):
        for lid, (body, pdf_hash) in self.approved.items():
            now = self.api.get(f"/api/v1/letters/{lid}").json()
            assert {k: now[k] for k in ("title", "answers", "approved_at", "documents")} == \
                   {k: body[k] for k in ("title", "answers", "approved_at", "documents")}
            served = self.api.get(f"/api/v1/letters/{lid}/document.pdf").content
            assert hashlib.sha256(served).hexdigest() == pdf_hash


def test_the_workflow_never_changes_an_approved_letter(api):
    Workflow.api, Workflow.approvals = api, 0
    run_state_machine_as_test(Workflow, settings=settings(max_examples=6 * SCALE, stateful_step_count=15, **RELAXED))
    assert Workflow.approvals >= 1  # the runs reached approved letters to guard
