"""Letter titles read as a person would write them."""

import pytest

from app.letters.titles import answer_title

PLACES = ["Københavns", "Kommune", "Aalborg", "Beskæftigelses-", "Integrationsforvaltningen"]


@pytest.mark.parametrize(("inquiry", "letter"), [
    ("Ventetider i jobcentret", "Svar på spørgsmål om ventetider i jobcentret"),
    ("Spørgsmål om ventetider", "Svar på spørgsmål om ventetider"),
    ("spørgsmål om ventetider", "Svar på spørgsmål om ventetider"),
    ("Spørgsmål vedr. busser i Nørresundby", "Svar på spørgsmål vedr. busser i Nørresundby"),
    ("Spørgsmål: ventetider", "Svar på spørgsmål om ventetider"),
    ("Henvendelse om støj fra byggepladsen", "Svar på henvendelse om støj fra byggepladsen"),
    ("Svar på spørgsmål om ventetider", "Svar på spørgsmål om ventetider"),
    ("KK's brug af konsulenter", "Svar på spørgsmål om KK's brug af konsulenter"),
    ("ME/CFS og førtidspension", "Svar på spørgsmål om ME/CFS og førtidspension"),
    ("Aalborg Kommunes ventelister", "Svar på spørgsmål om Aalborg Kommunes ventelister"),
    ("Aalborgs ventelister", "Svar på spørgsmål om Aalborgs ventelister"),
    ("Københavns budget 2025", "Svar på spørgsmål om Københavns budget 2025"),
    ("Hvorfor er ventetiden så lang?", "Svar på spørgsmål: Hvorfor er ventetiden så lang?"),
    ("  Ventetider   i  jobcentret ", "Svar på spørgsmål om ventetider i jobcentret"),
    ("§ 20-spørgsmål om skolerne", "Svar på § 20-spørgsmål om skolerne"),
])
def test_titles(inquiry, letter):
    assert answer_title(inquiry, PLACES) == letter


def test_a_new_draft_gets_such_a_title(api):
    body = {"title": "Spørgsmål om KK's ventetider", "asker": {"name": "Anne Testesen"}, "received_on": "2024-12-02",
            "organisation": "kk-bif", "questions": [{"text": "Hvor lang er ventetiden?"}]}
    inquiry = api.post("/api/v1/inquiries", json=body).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    assert letter["title"] == "Svar på spørgsmål om KK's ventetider"


def test_times_are_written_as_danes_write_them():
    from datetime import datetime, timezone

    from app import formatting

    assert formatting.local_datetime(datetime(2026, 11, 23, 19, 52, tzinfo=timezone.utc)) == "23. nov. 2026 kl. 20.52"
    assert formatting.local_datetime(datetime(2026, 7, 1, 6, 5, tzinfo=timezone.utc)) == "1. jul. 2026 kl. 08.05"
    assert "." in formatting.short_time_now() and ":" not in formatting.short_time_now()


def test_a_sitting_is_written_as_one_span():
    from datetime import datetime, timezone

    from app import formatting

    start = datetime(2026, 12, 1, 8, 5, tzinfo=timezone.utc)
    assert formatting.local_span(start, None) == "1. dec. 2026 kl. 09.05"
    assert formatting.local_span(start, start.replace(second=40)) == "1. dec. 2026 kl. 09.05"
    assert formatting.local_span(start, start.replace(minute=40)) == "1. dec. 2026 kl. 09.05–09.40"
    assert formatting.local_span(start, start.replace(day=2)) == "1. dec. 2026 kl. 09.05 – 2. dec. 2026 kl. 09.05"
