"""Danish search: stems, compounds, synonyms; suggestion quality; hostile queries."""

import json

import pytest
from sqlmodel import Session

from app.library.analysis import Analyzer, content_stems, phrase_stems, words
from app.library.suggest import suggest
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def test_stems_meet_inflections_and_stop_words_go():
    assert content_stems("lægeerklæringerne") == content_stems("lægeerklæring")
    assert content_stems("Hvad er det, at de har?") == []
    assert words('"NEAR" OR kontanthjælp* -sager: \'x\'') == ["near", "or", "kontanthjælp", "sager", "x"]


def test_compounds_split_against_the_vocabulary():
    vocabulary = frozenset(content_stems("sygedagpenge sager kontanthjælp førtidspension"))
    a = Analyzer(vocabulary=vocabulary)
    assert {"sygedagpeng", "sag"} <= set(a.analyse("sygedagpengesager"))
    assert {"kontanthjælp", "sag"} <= set(a.analyse("kontanthjælpssager"))  # the linking -s-
    assert a.analyse("træthedssyndrom") == content_stems("træthedssyndrom")  # unknown parts: no split


def test_synonyms_match_phrases():
    group = (phrase_stems("ME"), phrase_stems("ME/CFS"), phrase_stems("kronisk træthedssyndrom"))
    a = Analyzer(synonyms=(group,))
    assert "syn0" in a.analyse("borgere med kronisk træthedssyndrom") and "syn0" in a.analyse("ME-patienter")
    assert "syn0" not in a.analyse("kronisk syg")


@pytest.mark.parametrize("name", ["suggest_dev.json", "suggest_phrasings.json"])
def test_recall_at_3(seeded, name):
    cases = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    hits = 0
    with Session(seeded) as session:
        for case in cases:
            texts = [s.text.lower() for s in suggest(session, text=case["q"], limit=3)]
            hits += any(e.lower() in t for t in texts for e in case["expect_any"])
    assert hits / len(cases) >= 0.9


def test_suggestions_say_why_and_what_to_check(api):
    r = api.get("/api/v1/suggestions", params={"q": "Hvor mange sygedagpengesager varer over et år?", "limit": 3})
    assert r.status_code == 200
    items = r.json()["items"]
    top = items[0]
    assert {"paragraph_id", "title", "text", "score", "via", "why", "flags"} <= set(top)
    assert any("sygedagpengesager med en varighed" in i["text"] for i in items)
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    flagged = next(i for i in items if "sygedagpengesager med en varighed" in i["text"])
    assert any("revideret" in f for f in flagged["flags"]) and any("Nyeste tal" in f for f in flagged["flags"])
    via_question = api.get("/api/v1/suggestions", params={"q": "Hvordan forholder forvaltningen sig til borgere med ME/CFS?"}).json()
    assert via_question["items"][0]["via"] == "question"


@pytest.mark.parametrize(
    "q",
    ["og i det at", "?!…,;", '"', "*", "NEAR(a b)", "a OR b", "title:x", "-sager", "'", "x" * 5_000, "ME " * 1_600],
)
def test_hostile_queries_give_a_list_never_an_error(api, q):
    r = api.get("/api/v1/suggestions", params={"q": q})
    assert r.status_code == 200 and isinstance(r.json()["items"], list)


@pytest.mark.parametrize("q", ["", "x" * 5_001])
def test_empty_and_oversized_queries_are_422(api, q):
    assert api.get("/api/v1/suggestions", params={"q": q}).status_code == 422


def test_inquiry_filters(api):
    from tests.test_api_inquiries import _new

    api.post("/api/v1/inquiries", json=_new(title="Om Ærø", received_on="2024-06-03",
                                            asker={"name": "Bente Bøgh", "role": "MB"}))
    get = lambda **p: [i["title"] for i in api.get("/api/v1/inquiries", params=p).json()["items"]]  # noqa: E731
    assert get(organisation="aalborg-fb") == ['Spørgsmål i forlængelse af mødet med "Syg i Aalborg"']
    assert get(asker="bøgh") == ["Om Ærø"]
    assert get(received_from="2024-01-01") == ["Om Ærø"]
    assert get(received_from="2014-01-01", received_to="2023-12-31") == [
        "Udskydelse af sager i jobcentret samt behandling af ME-patienter",
        'Spørgsmål i forlængelse af mødet med "Syg i Aalborg"']
    assert api.get("/api/v1/inquiries", params={"received_from": "2024-02-30"}).status_code == 422


def test_paragraph_filters(api):
    get = lambda **p: {i["key"] for i in api.get("/api/v1/paragraphs", params={"limit": 200, **p}).json()["items"]}  # noqa: E731
    assert get(topic="ME/CFS") == {"kk-me-cfs-ingen-saerlig-arbejdsgang", "kk-me-cfs-udredning", "kk-me-foertidspension-bevilget",
                                   "aalborg-diagnoser-behandles-som-alle-andre"}
    assert get(topic="me/cfs") == get(topic="ME/CFS")
    assert get(topic="ME/CFS", organisation="kk-bif") == {"kk-me-cfs-ingen-saerlig-arbejdsgang", "kk-me-cfs-udredning",
                                                          "kk-me-foertidspension-bevilget"}
    assert get(topic="førtidspension", q="dokumentation") == {"kk-foertidspension-dokumentation"}
    assert get(topic="findes ikke") == set()


def test_filter_pages(web):
    c = web("drafter")
    assert "Syg i Aalborg" in c.get("/indbakke", params={"organisation": "aalborg-fb"}).text
    assert "Syg i Aalborg" not in c.get("/indbakke", params={"organisation": "kk-bif"}).text
    assert c.get("/indbakke", params={"fra": "ikke-en-dato"}).status_code == 200
    page = c.get("/bibliotek", params={"topic": "ME/CFS", "organisation": "kk-bif"}).text
    assert "Ingen særlig arbejdsgang for sager med ME/CFS" in page and "Borgere med piskesmæld" not in page
