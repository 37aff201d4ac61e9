"""An inquiry's own details (title, asker, received date, case numbers) can be corrected, with history (issue 17)."""

import re

from tests.test_api_inquiries import _new


def _inquiry(api, **overrides) -> dict:
    r = api.post("/api/v1/inquiries", json=_new(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def test_the_api_corrects_details_and_the_history_keeps_what_they_were(api, web):
    inquiry = _inquiry(api, title="Ventetider på lægekonsulentvurdringer", received_on="2024-12-02")
    assert inquiry["deadline"] == "2024-12-16"
    r = api.patch(f"/api/v1/inquiries/{inquiry['id']}", json={
        "title": "Ventetider på lægekonsulentvurderinger", "received_on": "2024-12-03",
        "asker": {"name": "Åse Ærø-Øster", "role": "medlem af Borgerrepræsentationen", "email": "aase@kk.dk"},
        "case_refs": [{"system": "F2", "kind": "sagsnummer", "number": "2024-1235"}], "reason": "Stavefejl og forkert sagsnr."})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["title"] == "Ventetider på lægekonsulentvurderinger"
    assert out["received_on"] == "2024-12-03" and out["deadline"] == "2024-12-17"  # the rule's deadline follows the date
    assert out["asker"]["role"] == "medlem af Borgerrepræsentationen"
    assert [r["number"] for r in out["case_refs"]] == ["2024-1235"]
    assert api.get(f"/api/v1/inquiries/{inquiry['id']}").json() == out
    page = web("drafter").get(f"/historik?inquiry_id={inquiry['id']}").text
    assert "Henvendelsens oplysninger rettet" in page
    assert "Titel: Ventetider på lægekonsulentvurdringer → Ventetider på lægekonsulentvurderinger" in page
    assert "Modtaget: 2. december 2024 → 3. december 2024" in page
    assert "Sagsreferencer: F2 sagsnummer 2024 - 1234 → F2 sagsnummer 2024-1235" in page
    assert "Kommentar: Stavefejl og forkert sagsnr." in page


def test_a_deadline_set_by_hand_stays_and_nothing_changed_records_nothing(api, web):
    inquiry = _inquiry(api, received_on="2024-12-02", deadline="2025-01-31")
    out = api.patch(f"/api/v1/inquiries/{inquiry['id']}", json={"received_on": "2024-12-04"}).json()
    assert out["deadline"] == "2025-01-31"
    same = api.patch(f"/api/v1/inquiries/{inquiry['id']}", json={"title": inquiry["title"]})
    assert same.status_code == 200
    page = web("drafter").get(f"/historik?inquiry_id={inquiry['id']}").text
    assert page.count("Henvendelsens oplysninger rettet") == 1


def test_bad_corrections_are_refused_and_change_nothing(api):
    inquiry = _inquiry(api)
    for body, field in (({"title": ""}, "title"), ({"received_on": "9999-12-31"}, "received_on"),
                        ({"asker": {"name": ""}}, "asker"), ({"case_refs": [{"system": "F2"}]}, "case_refs"),
                        ({"status": "answered"}, "status")):
        r = api.patch(f"/api/v1/inquiries/{inquiry['id']}", json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in str(r.json()["detail"])
    assert api.get(f"/api/v1/inquiries/{inquiry['id']}").json() == inquiry | {"overdue": inquiry["overdue"]}
    assert api.patch("/api/v1/inquiries/999999", json={"title": "Ny"}).status_code == 404
    assert api.patch(f"/api/v1/inquiries/{inquiry['id']}", role="approver", json={"title": "Ny"}).status_code == 403


def test_no_correction_while_a_letter_awaits_approval(api, web):
    inquiry = _inquiry(api)
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    answers = [{"question_id": q["id"], "blocks": [{"text": "Forvaltningen svarer her."}]} for q in inquiry["questions"]]
    saved = api.put(f"/api/v1/letters/{letter['id']}", json={"version": letter["version"], "answers": answers}).json()
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={"version": saved["version"]}).status_code == 200
    r = api.patch(f"/api/v1/inquiries/{inquiry['id']}", json={"title": "Et andet emne"})
    assert r.status_code == 409 and "awaits approval" in r.json()["detail"]
    assert api.get(f"/api/v1/inquiries/{inquiry['id']}").json()["title"] == inquiry["title"]
    # The page says the same in Danish, beside the form, and keeps what was typed.
    c = web("drafter")
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get(f"/henvendelser/{inquiry['id']}").text)[1]
    page = c.post(f"/henvendelser/{inquiry['id']}/ret", data={
        "csrf": csrf, "title": "Et andet emne", "asker_name": "Åse Ærø-Øster", "received_on": "2024-12-20"})
    assert page.status_code == 409
    assert "venter på godkendelse" in page.text and 'value="Et andet emne"' in page.text


def test_the_page_form_corrects_and_says_so(api, web):
    inquiry = _inquiry(api)
    c = web("drafter")
    html = c.get(f"/henvendelser/{inquiry['id']}").text
    assert "Ret henvendelsens oplysninger" in html and 'value="2024 - 1234"' in html
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)[1]
    form = {"csrf": csrf, "title": "Ventetider (rettet)", "asker_name": "Åse Ærø-Øster", "asker_role": "MB",
            "asker_email": "aase@kk.dk", "received_on": "2024-12-20", "case_system": ["F2", ""],
            "case_kind": ["sagsnummer", ""], "case_number": ["2024-9999", ""]}
    r = c.post(f"/henvendelser/{inquiry['id']}/ret", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/henvendelser/{inquiry['id']}?ok=rettet"
    shown = c.get(r.headers["location"]).text
    assert "Oplysningerne er rettet" in shown and "Ventetider (rettet)" in shown and "2024-9999" in shown
    bad = c.post(f"/henvendelser/{inquiry['id']}/ret", data=form | {"title": "", "received_on": "31-12-2024"})
    assert bad.status_code == 422
    assert 'id="error-summary"' in bad.text and 'aria-describedby="c-title-error"' in bad.text
    assert "Skriv modtagelsesdatoen som en gyldig dato." in bad.text
    assert web("approver").post(f"/henvendelser/{inquiry['id']}/ret", data=form).status_code == 403
