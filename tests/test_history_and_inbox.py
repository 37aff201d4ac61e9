"""The inbox a secretariat works from, and the history as people read it."""

import re
from datetime import datetime, timedelta, timezone

import time_machine

from tests.test_api_inquiries import _new


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<a href="/henvendelser/\d+">([^<]+)</a>', body)


def test_the_inbox_puts_the_most_overdue_first_and_sorts_by_any_column(api, web):
    for title, received in (("Sen sag", "2024-01-02"), ("Ny sag", "2024-12-02"), ("Mellem sag", "2024-06-03")):
        assert api.post("/api/v1/inquiries", json=_new(title=title, received_on=received)).status_code == 201
    c = web("drafter")
    mine = [t for t in _rows(c.get("/indbakke").text) if t.endswith(" sag")]
    assert mine == ["Sen sag", "Mellem sag", "Ny sag"]  # by deadline, oldest first
    newest = [t for t in _rows(c.get("/indbakke?sort=-modtaget").text) if t.endswith(" sag")]
    assert newest == ["Ny sag", "Mellem sag", "Sen sag"]
    by_title = [t for t in _rows(c.get("/indbakke?sort=titel").text) if t.endswith(" sag")]
    assert by_title == ["Mellem sag", "Ny sag", "Sen sag"]
    page = c.get("/indbakke?sort=titel").text
    assert 'aria-sort="ascending"' in page and "sort=-titel" in page
    assert c.get("/indbakke?sort=%3Cscript%3E").status_code == 200  # an unknown order falls back


def test_the_inbox_pages_instead_of_stopping(api, web):
    for n in range(55):
        api.post("/api/v1/inquiries", json=_new(title=f"Sag nummer {n:02d}"))
    c = web("drafter")
    first = c.get("/indbakke?q=Sag+nummer").text
    assert len(_rows(first)) == 50 and "Side 1 af 2" in first and 'rel="next"' in first
    second = c.get("/indbakke?q=Sag+nummer&side=2").text
    assert len(_rows(second)) == 5 and 'rel="prev"' in second
    assert set(_rows(first)).isdisjoint(_rows(second))


def test_the_inbox_searches_the_answers_too(api, web):
    inquiry = api.post("/api/v1/inquiries", json=_new(title="Ventetider")).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": [
        {"question_id": inquiry["questions"][0]["id"], "blocks": [{"text": "Forvaltningen bruger lægekonsulenthuset Sundby."}]}]})
    assert _rows(web("drafter").get("/indbakke?q=Sundby").text) == ["Ventetider"]


def test_history_reads_as_people_write_it(api, web, seeded):
    inquiry = api.post("/api/v1/inquiries", json=_new()).json()
    c = web("drafter")
    with time_machine.travel(datetime(2024, 12, 2, 9, 0, tzinfo=timezone.utc), tick=False) as clock:
        letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
        version = letter["version"]
        for n in range(12):  # a sitting of autosaves, a minute apart
            clock.shift(timedelta(minutes=1))
            version = api.put(f"/api/v1/letters/{letter['id']}", json={"version": version, "title": f"Svar {n}"}).json()["version"]
            api.get(f"/api/v1/letters/{letter['id']}/document.pdf")  # a preview each time
        clock.shift(timedelta(hours=2))
        api.put(f"/api/v1/letters/{letter['id']}", json={"version": version, "title": "Svar om ventetider"})
    page = c.get(f"/historik?letter_id={letter['id']}").text
    assert page.count("<td>Redigeret</td>") == 2 and "12 gemninger: titel" in page and "1 gemning: titel" in page
    assert "Test drafter" in page and "test-drafter" not in page
    assert "Dokument dannet" not in page and "answers:" not in page
    # The chain is every municipality's: its length and its check are for admins.
    assert "hændelser i alt" not in page and "Kontrollér revisionssporet" not in page
    admin = web("admin").get(f"/historik?letter_id={letter['id']}").text
    assert "hændelser i alt i revisionssporet" in admin and "Kontrollér revisionssporet" in admin
    checked = web("admin").get(f"/historik?letter_id={letter['id']}&kontrol=ja").text
    assert "Revisionssporet er kontrolleret og intakt" in checked
    everything = c.get("/historik").text
    assert "Ingen hændelser" not in everything and "De seneste 200 hændelser" in everything
