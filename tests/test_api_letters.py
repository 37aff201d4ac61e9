"""Letters and their documents over HTTP."""

import io

import pikepdf
import pytest

from tests.documents import docx_text
from tests.test_api_inquiries import _new


def _seed_letter_ids(api) -> dict[str, int]:
    ids = {}
    for key in ("kk-2023-8126-me-cfs", "aalborg-2014-13931-syg-i-aalborg"):
        inquiry = next(i for i in api.get("/api/v1/inquiries").json()["items"] if i["key"] == key)
        ids[key] = inquiry["id"]
    return ids


def test_create_and_read_a_letter(api):
    inquiry = api.post("/api/v1/inquiries", json=_new()).json()
    r = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert letter["status"] == "draft" and letter["version"] == 1 and letter["kind"] == "brev"
    assert letter["title"] == "Svar på spørgsmål om ventetider på lægekonsulentvurderinger"
    assert [a["number"] for a in letter["answers"]] == [1, 2] and all(a["blocks"] == [] for a in letter["answers"])
    assert api.get(f"/api/v1/letters/{letter['id']}").json() == letter
    after = api.get(f"/api/v1/inquiries/{inquiry['id']}").json()
    assert after["status"] == "drafting" and after["drafter_id"] is not None
    # A fresh draft renders: questions listed, answers still empty, recipient from the asker.
    pdf = api.get(f"/api/v1/letters/{letter['id']}/document.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(pdf.content)) as doc:
        assert str(doc.Root.Lang) == "da"
    docx = api.get(f"/api/v1/letters/{letter['id']}/document.docx")
    assert docx.status_code == 200
    text = docx_text(docx.content)
    assert "“Hvor lang er ventetiden?”" in text and "Kære Åse Ærø-Øster" in text


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"inquiry_id": 424242, "kind": "brev"}, 422, ["body", "inquiry_id"]),
        ({"inquiry_id": 1, "kind": "mail"}, 422, ["body", "kind"]),
        ({"inquiry_id": 2**63, "kind": "brev"}, 422, ["body", "inquiry_id"]),
        ({"kind": "brev"}, 422, ["body", "inquiry_id"]),
    ],
)
def test_letter_bad_input(api, body, status, loc):
    r = api.post("/api/v1/letters", json=body)
    assert r.status_code == status and loc in [e["loc"] for e in r.json()["detail"]]


def test_letters_need_writers_and_tokens(api):
    assert api.client.post("/api/v1/letters", json={}).status_code == 401
    assert api.post("/api/v1/letters", role="approver", json={"inquiry_id": 1, "kind": "brev"}).status_code == 403


@pytest.mark.parametrize("suffix", ["", "/document.pdf", "/document.docx"])
def test_unknown_letter_is_404(api, suffix):
    assert api.get(f"/api/v1/letters/424242{suffix}").status_code == 404
    assert api.get(f"/api/v1/letters/{2**63}{suffix}").status_code == 422


def test_seed_letters_render_over_http(api):
    ids = _seed_letter_ids(api)
    assert ids
    r = api.get("/api/v1/letters/1/document.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    assert r.headers["content-disposition"].startswith("inline; filename=")


def test_a_letter_too_long_to_render_is_422(api):
    questions = [{"text": f"Spørgsmål {n}: " + "ord " * 2_400} for n in range(40)]
    inquiry = api.post("/api/v1/inquiries", json=_new(questions=questions)).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "notat"}).json()
    for fmt in ("pdf", "docx"):
        r = api.get(f"/api/v1/letters/{letter['id']}/document.{fmt}")
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "answers"]
        assert "split it into several letters" in r.json()["detail"][0]["msg"]


def test_rendering_past_the_time_limit_is_503_with_retry_after(api):
    api.client.app.state.settings.render_timeout_seconds = 0.0
    r = api.get("/api/v1/letters/1/document.pdf")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"


def test_only_an_approver_of_the_letters_organisation_signs_it(api, web, seeded):
    """Another municipality's director and a clerk of the organisation itself are refused as signatory; nothing changes."""
    from sqlmodel import Session, select

    from app.models import Organisation, Person

    with Session(seeded) as session:
        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        clerk = Person(key="kk-fuldmaegtig", organisation_id=kk.id, name="Freja Fuldmægtig", role="drafter")
        session.add(clerk)
        session.commit()
        people = {p.key: p.id for p in session.exec(select(Person))}
    inquiry = api.post("/api/v1/inquiries", json={"title": "Ventetider", "asker": {"name": "Anne Testesen"},
                                                  "received_on": "2024-11-18", "organisation": "kk-bif",
                                                  "questions": [{"text": "Hvor lang er ventetiden?"}]}).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    assert letter["signatory_id"] == people["henrik-lund"]
    for other in ("arne-lund-kristensen", "kk-fuldmaegtig"):
        r = api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "signatory_id": people[other]})
        assert r.status_code == 422 and "signatory_id" in str(r.json()["detail"]), other
    assert api.get(f"/api/v1/letters/{letter['id']}").json()["signatory_id"] == people["henrik-lund"]
    page = web("drafter").get(f"/breve/{letter['id']}").text
    assert "Henrik Lund" in page and "Arne Lund Kristensen" not in page and "Freja Fuldmægtig" not in page
