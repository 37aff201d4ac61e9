"""The library is an organisation's own (issue 18): another municipality's paragraphs are suggested only when shared, and named."""

from sqlmodel import Session, select

from app.models import Paragraph

TITLE = "Journalpligt, aktindsigt og hvad borgeren får tilsendt"
QUESTION = "Har praktiserende læger adgang til sygehusoplysninger via sundhed.dk, når en ørelæge har lavet en henvisning?"


def _suggested(api, organisation: str | None) -> list[dict]:
    params = {"q": QUESTION, "limit": 10} | ({"organisation": organisation} if organisation else {})
    r = api.get("/api/v1/suggestions", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _share(seeded, key: str, shared_with: list[str]) -> None:
    with Session(seeded) as session:
        paragraph = session.exec(select(Paragraph).where(Paragraph.key == key)).one()
        paragraph.shared_with = shared_with
        session.add(paragraph)
        session.commit()


def test_a_copenhagen_question_is_never_offered_aalborgs_unshared_paragraphs(api, seeded):
    aalborg = [s["key"] for s in _suggested(api, "aalborg-fb")]
    assert "aalborg-praktiserende-laege-sundhed-dk" in aalborg
    assert all(s["owner"] is None for s in _suggested(api, "aalborg-fb"))  # its own: no owner shown
    assert not [s for s in _suggested(api, "kk-bif") if s["key"].startswith("aalborg-")]


def test_a_shared_paragraph_is_offered_after_the_own_and_says_whose_it_is(api, seeded, web):
    _share(seeded, "aalborg-praktiserende-laege-sundhed-dk", ["koebenhavns-kommune"])
    found = _suggested(api, "kk-bif")
    shared = [s for s in found if s["key"] == "aalborg-praktiserende-laege-sundhed-dk"]
    assert shared and shared[0]["owner"] == "Aalborg Kommune"
    owners = [s["owner"] is not None for s in found]
    assert owners == sorted(owners)  # Copenhagen's own first
    assert not [s for s in found if s["key"].startswith("aalborg-") and s["owner"] is None]
    # Shared with its own municipality only: still not Copenhagen's.
    _share(seeded, "aalborg-praktiserende-laege-sundhed-dk", ["municipality"])
    assert not [s for s in _suggested(api, "kk-bif") if s["key"].startswith("aalborg-")]


def test_the_editor_of_a_copenhagen_letter_names_the_owner_of_a_shared_paragraph(api, seeded, web):
    inquiry = api.post("/api/v1/inquiries", json={"title": "Journaler", "asker": {"name": "Anne Testesen"},
                                                  "received_on": "2024-11-18", "organisation": "kk-bif",
                                                  "questions": [{"text": "Hvad med journalpligt og aktindsigt hos ørelægen?"}]}).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    page = web("drafter").get(f"/breve/{letter['id']}").text
    assert TITLE not in page
    _share(seeded, "aalborg-journalpligt-og-aktindsigt", ["koebenhavns-kommune"])
    page = web("drafter").get(f"/breve/{letter['id']}").text
    assert f'{TITLE}</strong> <span class="muted">(Aalborg Kommune)</span>' in page
