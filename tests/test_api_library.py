"""The library API: versioned paragraphs, statistics and their figures in text."""

import pytest


def _paragraph_id(api, key: str) -> int:
    items = api.get("/api/v1/paragraphs", params={"limit": 200}).json()["items"]
    return next(p["id"] for p in items if p["key"] == key)


def test_seed_paragraphs_render_danish_figures(api):
    pid = _paragraph_id(api, "aalborg-sygedagpengeenhed")
    body = api.get(f"/api/v1/paragraphs/{pid}").json()
    assert "[[aalborg-sygedagpengesager]]" in body["text"]
    assert "I december 2009 var der 767 sygedagpengesager" in body["rendered_text"]
    assert "faldet fra 3.339 sager til 2.494 sager." in body["rendered_text"]
    assert body["review_overdue"] is True and body["review_by"] == "2015-03-24"
    # As of a date before the 2013 figures, the earlier ones are the latest known.
    early = api.get(f"/api/v1/paragraphs/{pid}", params={"as_of": "2010-01-01"}).json()
    assert "reduceret til 767 sager" in early["rendered_text"]
    assert early["missing"] == []  # 2009-12 exists at that date
    assert body["warnings"] == [] and early["warnings"] == []


def test_paragraph_create_edit_versions(api):
    body = {"key": "kk-ny-tekst", "title": "Ny tekst", "text": "Der er [[aalborg-kontanthjaelpssager]] sager.",
            "topics": ["kontanthjælp"], "organisation": "aalborg-fb"}
    r = api.post("/api/v1/paragraphs", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1 and created["rendered_text"] == "Der er 5.555 sager."
    pid = created["id"]
    assert api.post("/api/v1/paragraphs", json=body).status_code == 409
    edit = {"title": "Ny tekst", "text": "Der er nu [[aalborg-kontanthjaelpssager]] sager.", "version": 1}
    updated = api.put(f"/api/v1/paragraphs/{pid}", json=edit).json()
    assert updated["version"] == 2 and [v["version"] for v in updated["versions"]] == [1, 2]
    assert updated["versions"][1]["created_by"] == "test-drafter"
    # Unchanged content keeps the version; a stale version is refused.
    assert api.put(f"/api/v1/paragraphs/{pid}", json=edit | {"version": 2}).json()["version"] == 2
    stale = api.put(f"/api/v1/paragraphs/{pid}", json=edit | {"text": "Andet", "version": 1})
    assert stale.status_code == 409
    old = api.get(f"/api/v1/paragraphs/{pid}", params={"version": 1}).json()
    assert old["text"] == body["text"] and old["current_version"] == 2
    assert api.get(f"/api/v1/paragraphs/{pid}", params={"version": 9}).status_code == 404


def test_paragraph_with_unknown_statistic_is_refused(api):
    r = api.post("/api/v1/paragraphs", json={"key": "p-x", "title": "T", "text": "Tal: [[findes-ikke]]", "organisation": "kk-bif"})
    assert r.status_code == 422
    assert r.json()["detail"][0] == {"loc": ["body", "text"], "msg": "unknown statistic findes-ikke in [[...]]", "type": "value_error"}


def test_statistics_values(api):
    r = api.post("/api/v1/statistics", json={
        "key": "kk-ventetid", "label": "Ventetid på lægekonsulent", "unit": "uger", "source": "KK", "organisation": "kk-bif",
        "period_kind": "quarter", "values": [{"period": "2023-02-15", "value": 1.5}]})
    assert r.status_code == 201, r.text
    stat = r.json()
    assert stat["latest"]["period"] == "2023-01-01" and stat["latest"]["period_label"] == "1. kvartal 2023"
    assert stat["latest"]["formatted"] == "1,5"
    add = api.post("/api/v1/statistics/kk-ventetid/values", json={"period": "2023-04-01", "value": 2.25})
    assert add.status_code == 201 and add.json()["latest"]["formatted"] == "2,25"
    same = api.post("/api/v1/statistics/kk-ventetid/values", json={"period": "2023-04-01", "value": 2.25})
    assert same.status_code == 200
    differs = api.post("/api/v1/statistics/kk-ventetid/values", json={"period": "2023-05-01", "value": 3})
    assert differs.status_code == 409  # same quarter, other figure: never silently replaced
    assert api.get("/api/v1/statistics/kk-ventetid").json()["latest"]["value"] == 2.25
    assert api.post("/api/v1/statistics/findes-ikke/values", json={"period": "2023", "value": 1}).status_code == 404
    listed = api.get("/api/v1/statistics", params={"q": "kontanthjælp"}).json()
    assert {s["key"] for s in listed["items"]} == {"aalborg-kontanthjaelpssager", "aalborg-kontanthjaelpssager-over-3-aar"}


def test_new_figure_shows_in_paragraph(api):
    r = api.post("/api/v1/statistics/aalborg-kontanthjaelpssager/values", json={"period": "2014-11", "value": 6001})
    assert r.status_code == 201
    pid = _paragraph_id(api, "aalborg-kontanthjaelpssager-udvikling")
    body = api.get(f"/api/v1/paragraphs/{pid}").json()
    assert body["rendered_text"].startswith("- Der var pr. november 2014")  # one of the notat's three bullets and "6.001 kontanthjælpssager" in body["rendered_text"]
    # The other series has no November 2014 figure yet: its latest is used, and the mix is flagged.
    assert "heraf 1.540 over 3 år" in body["rendered_text"]
    assert body["warnings"] == [
        "De seneste tal er fra forskellige perioder (aalborg-kontanthjaelpssager: november 2014, "
        "aalborg-kontanthjaelpssager-over-3-aar: november 2013)"
    ]


@pytest.mark.parametrize("q", ["sygedagpenge", "SYGEDAGPENGE", "Sygedagpengeenheden"])
def test_paragraph_search(api, q):
    keys = [p["key"] for p in api.get("/api/v1/paragraphs", params={"q": q}).json()["items"]]
    assert "aalborg-sygedagpengeenhed" in keys
