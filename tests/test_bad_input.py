"""Every class of bad input gets a 4xx naming the field, never a 5xx, and changes nothing."""

import json

import pytest
from sqlmodel import Session, select

from app.fields import MAX_ID
from app.models import Question

GOOD = {
    "title": "Spørgsmål",
    "asker": {"name": "Anna"},
    "received_on": "2024-03-01",
    "questions": [{"text": "Hvad?"}],
    "organisation": "kk-bif",
}


def _raw(api, method: str, path: str, body: bytes, content_type: str = "application/json"):
    headers = api.headers("drafter") | {"Content-Type": content_type}
    return api.client.request(method, path, content=body, headers=headers)


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"title": 5}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "   "}, ["body", "title"]),
        ({"received_on": "2023-02-30"}, ["body", "received_on"]),
        ({"received_on": "1066-10-14"}, ["body", "received_on"]),
        ({"received_on": "9999-12-31"}, ["body", "received_on"]),
        ({"received_on": "i går"}, ["body", "received_on"]),
        ({"received_on": 1_700_000_000}, ["body", "received_on"]),
        ({"received_on": "2024-03-01T10:00:00"}, ["body", "received_on"]),
        ({"questions": []}, ["body", "questions"]),
        ({"questions": "Hvad?"}, ["body", "questions"]),
        ({"questions": [{"text": ""}]}, ["body", "questions", 0, "text"]),
        ({"questions": [{"txt": "Hvad?"}]}, ["body", "questions", 0, "text"]),
        ({"asker": {}}, ["body", "asker", "name"]),
        ({"asker": "Anna"}, ["body", "asker"]),
        ({"channel": "brevdue"}, ["body", "channel"]),
        ({"case_refs": [{"system": "F2", "kind": "sagsnummer"}]}, ["body", "case_refs", 0, "number"]),
        ({"drafter_id": MAX_ID + 1}, ["body", "drafter_id"]),
        ({"drafter_id": 0}, ["body", "drafter_id"]),
        ({"drafter_id": 424242}, ["body", "drafter_id"]),
        ({"organisation": "findes-ikke"}, ["body", "organisation"]),
        ({"organisation": "../etc"}, ["body", "organisation"]),
        ({"surprise": 1}, ["body", "surprise"]),
        ({"title": "x" * 501}, ["body", "title"]),
        ({"questions": [{"text": "x" * 10_001}]}, ["body", "questions", 0, "text"]),
        ({"questions": [{"text": "Hvad?"}] * 201}, ["body", "questions"]),
    ],
)
def test_invalid_inquiry_fields_are_named(api, patch, loc):
    before = api.get("/api/v1/inquiries").json()["total"]
    r = api.post("/api/v1/inquiries", json=GOOD | patch)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert api.get("/api/v1/inquiries").json()["total"] == before


def test_missing_fields_are_each_named(api):
    r = api.post("/api/v1/inquiries", json={})
    locs = [e["loc"] for e in r.json()["detail"]]
    assert r.status_code == 422
    assert {("body", f) for f in ("title", "asker", "received_on", "questions")} <= {tuple(x) for x in locs}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/inquiries/{}", "/api/v1/paragraphs/{}"],
)
@pytest.mark.parametrize("value", ["0", "-1", str(MAX_ID + 1), "99999999999999999999999999", "abc", "1.5"])
def test_ids_that_cannot_exist_are_422(api, path, value):
    r = api.get(path.format(value))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] in ("inquiry_id", "paragraph_id")


@pytest.mark.parametrize("path", ["/api/v1/inquiries/{}", "/api/v1/paragraphs/{}"])
@pytest.mark.parametrize("value", ["424242", str(MAX_ID)])
def test_unknown_ids_are_404(api, path, value):
    r = api.get(path.format(value))
    assert r.status_code == 404 and value in r.json()["detail"]


def test_unknown_statistic_key_404_and_bad_key_422(api):
    assert api.get("/api/v1/statistics/findes-ikke").status_code == 404
    assert api.get("/api/v1/statistics/IKKE%20EN%20N%C3%98GLE").status_code == 422


def test_text_is_cleaned_the_same_on_every_database(api):
    # NUL, other C0 controls, CR, lone surrogates and U+FFFF go; tab, newline and Danish letters stay.
    raw = (
        b'{"title": "Tit\\u0000el\\u0007 \\ud800\xc3\xa6\xc3\xb8\xc3\xa5", "asker": {"name": "An\\u001bna"},'
        b' "received_on": "2024-03-01", "organisation": "kk-bif",'
        b' "questions": [{"text": "Linje 1\\r\\nLinje\\t2\\udfff\\uffff?"}]}'
    )
    r = _raw(api, "POST", "/api/v1/inquiries", raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["title"] == "Titel æøå" and body["asker"]["name"] == "Anna"
    assert body["questions"][0]["text"] == "Linje 1\nLinje\t2?"
    stored = api.get(f"/api/v1/inquiries/{body['id']}").json()
    assert stored["questions"][0]["text"] == "Linje 1\nLinje\t2?"


def test_text_that_is_only_control_characters_is_empty(api):
    r = _raw(api, "POST", "/api/v1/inquiries", json.dumps(GOOD | {"title": "\u0000\u0001"}).encode())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "title"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe garbage", "application/json"),
        (b"title=x", "application/x-www-form-urlencoded"),
        (b"[" * 10_000 + b"]" * 10_000, "application/json"),
        (b'{"title": NaN}', "application/json"),
    ],
)
def test_malformed_bodies_are_4xx(api, body, content_type):
    r = _raw(api, "POST", "/api/v1/inquiries", body, content_type)
    assert 400 <= r.status_code < 500, r.text
    assert "detail" in r.json()


def test_too_large_body_is_413(api):
    big = json.dumps(GOOD | {"title": "x" * 3_000_000}).encode()
    r = _raw(api, "POST", "/api/v1/inquiries", big)
    assert r.status_code == 413 and "too large" in r.json()["detail"]


def test_too_large_body_without_content_length_is_413(api):
    def chunks():
        for _ in range(300):
            yield b"x" * 10_000

    r = api.client.post("/api/v1/inquiries/parse", content=chunks(), headers=api.headers() | {"Content-Type": "application/json"})
    assert r.status_code == 413


def test_parse_text_limit(api):
    r = api.post("/api/v1/inquiries/parse", json={"text": "Hvad? " * 40_000})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/v1/paragraphs", {"key": "Æ", "title": "T", "text": "x"}, ["body", "key"]),
        ("/api/v1/paragraphs", {"key": "k", "title": "T", "text": "x", "review_by": "2024-13-01"}, ["body", "review_by"]),
        ("/api/v1/paragraphs", {"key": "k", "title": "T", "text": "x", "topics": "ME"}, ["body", "topics"]),
        ("/api/v1/paragraphs", {"key": "k", "title": "T", "text": "x" * 50_001}, ["body", "text"]),
        ("/api/v1/paragraphs", {"key": "k", "title": "T", "text": "x", "organisation": "nej"}, ["body", "organisation"]),
        ("/api/v1/statistics", {"key": "s", "label": "L"}, ["body", "source"]),
        ("/api/v1/statistics", {"key": "s", "label": "L", "source": "S", "period_kind": "uge"}, ["body", "period_kind"]),
        ("/api/v1/statistics", {"key": "s", "label": "L", "source": "S", "organisation": "kk-bif",
                                "values": [{"period": "2023-02-30", "value": 1}]},
         ["body", "period"]),
        ("/api/v1/statistics/aalborg-sager-over-5-aar/values", {"period": "2014-13", "value": 1}, ["body", "period"]),
        ("/api/v1/statistics/aalborg-sager-over-5-aar/values", {"period": "februar", "value": 1}, ["body", "period"]),
        ("/api/v1/statistics/aalborg-sager-over-5-aar/values", {"period": "2015-01", "value": 1e300}, ["body", "value"]),
        ("/api/v1/statistics/aalborg-sager-over-5-aar/values", {"period": "2015-01", "value": "mange"}, ["body", "value"]),
    ],
)
def test_invalid_library_fields_are_named(api, path, body, loc):
    r = api.post(path, json=body)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert api.get("/api/v1/statistics/s").status_code == 404
    keys = [p["key"] for p in api.get("/api/v1/paragraphs", params={"limit": 200}).json()["items"]]
    assert "k" not in keys


def test_nan_figure_is_refused(api):
    r = _raw(api, "POST", "/api/v1/statistics/aalborg-sager-over-5-aar/values", b'{"period": "2015-01", "value": NaN}')
    assert r.status_code == 422
    assert api.get("/api/v1/statistics/aalborg-sager-over-5-aar").json()["latest"]["value"] == 950


def test_failed_write_leaves_stored_data_alone(api, seeded):
    with Session(seeded) as session:
        before = session.exec(select(Question.text).order_by(Question.id)).all()
    api.post("/api/v1/inquiries", json=GOOD | {"drafter_id": 424242})
    api.post("/api/v1/statistics/aalborg-sager-over-5-aar/values", json={"period": "2014-02", "value": 1})
    with Session(seeded) as session:
        assert session.exec(select(Question.text).order_by(Question.id)).all() == before
    assert api.get("/api/v1/statistics/aalborg-sager-over-5-aar").json()["latest"]["value"] == 950


@pytest.mark.parametrize("q", ["%", "_", "'; DROP TABLE inquiry; --", '" OR 1=1', "\\", "x" * 201])
def test_search_text_is_data(api, q):
    r = api.get("/api/v1/inquiries", params={"q": q})
    assert r.status_code in (200, 422)
    assert api.get("/api/v1/inquiries").json()["total"] == 2


@pytest.mark.parametrize("as_of", ["0", "1700000000", "24-03-2014", "2014-02-30"])
def test_as_of_must_be_an_iso_date(api, as_of):
    r = api.get("/api/v1/paragraphs/1", params={"as_of": as_of})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "as_of"]
