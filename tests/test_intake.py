"""Indgående (issue 20): a saved e-mail received once per Message-ID, its sender matched to the council member,
accepted as an inquiry or discarded — and from the other municipality, not there at all."""

import re
from sqlmodel import Session

from app.auth import service as auth_service
from tests.test_mail_in import _eml
from tests.test_workflow import draft  # noqa: F401 - the fixture


def _headers(seeded, username: str, unit: str, role: str = "drafter") -> dict[str, str]:
    with Session(seeded) as session:
        auth_service.add_user(session, username=username, role=role, name=username, units=[(unit, role)])
        return {"Authorization": f"Bearer {auth_service.create_token(session, username=username)}"}


def _with_id(mail: bytes, message_id: str) -> bytes:
    return f"Message-ID: <{message_id}@kk.dk>\n".encode() + mail


def test_a_mail_is_received_once_accepted_as_an_inquiry_and_the_sender_matched(api, seeded):
    kk = _headers(seeded, "kk-sek", "kk-bif")
    aalborg = _headers(seeded, "aalborg-sek", "aalborg-fb")
    viewer = _headers(seeded, "kk-laeser", "kk-bif", "viewer")
    # Klaus is a known council member of Copenhagen (with another spelling of his address's case).
    api.post("/api/v1/inquiries", json={"title": "Tidligere", "asker": {"name": "Klaus Goldschmidt Henriksen", "role": "MB",
             "email": "Klaus@KK.dk"}, "received_on": "2023-01-02", "organisation": "kk-bif", "questions": [{"text": "Hvad?"}]})
    mail = _with_id(_eml(), "abc-1")
    r = api.client.post("/api/v1/intake", headers=kk, files={"file": ("m.eml", mail, "message/rfc822")})
    assert r.status_code == 201, r.text
    item = r.json()
    assert (item["organisation"], item["sender"], item["received_on"], item["subject"], len(item["questions"])) == (
        "kk-bif", "Klaus Goldschmidt Henriksen", "2023-05-11", "Ventetider på lægekonsulentvurderinger", 2)
    again = api.client.post("/api/v1/intake", headers=kk, files={"file": ("m.eml", mail, "message/rfc822")})
    assert again.status_code == 409 and f"item {item['id']}" in again.text  # the same message never twice
    assert api.client.post("/api/v1/intake", headers=viewer, files={"file": ("m.eml", mail, "x")}).status_code == 403
    # And from the other municipality: not listed, not acceptable.
    assert api.client.get("/api/v1/intake", headers=aalborg).json()["items"] == []
    assert api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=aalborg, json={}).status_code == 404
    assert [i["id"] for i in api.client.get("/api/v1/intake", headers=kk).json()["items"]] == [item["id"]]
    created = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={})
    assert created.status_code == 201, created.text
    inquiry = created.json()
    assert inquiry["asker"]["role"] == "MB" and inquiry["received_on"] == "2023-05-11" and len(inquiry["questions"]) == 2
    assert api.client.post(f"/api/v1/intake/{item['id']}/discard", headers=kk).status_code == 409
    assert api.client.get("/api/v1/intake?status=accepted", headers=kk).json()["items"][0]["inquiry_id"] == inquiry["id"]


def test_a_mail_without_questions_is_discarded_and_cannot_be_accepted(api, seeded):
    kk = _headers(seeded, "kk-sek", "kk-bif")
    mail = _with_id(_eml("Tak for mødet."), "thanks-1")
    item = api.client.post("/api/v1/intake", headers=kk, files={"file": ("m.eml", mail, "x")}).json()
    refused = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={})
    assert refused.status_code == 422 and "questions" in refused.text
    assert api.client.post(f"/api/v1/intake/{item['id']}/discard", headers=kk).json()["status"] == "discarded"
    assert api.client.post("/api/v1/intake", headers=kk, files={"file": ("brev.pdf", b"%PDF-1.7", "x")}).status_code == 422


def test_the_indgaaende_page_takes_a_mail_and_opens_the_new_inquiry(web_sqlite):
    c = web_sqlite("drafter")
    page = c.get("/indgaaende")
    assert page.status_code == 200 and "Ingen mail venter." in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/indgaaende", data={"csrf": csrf}, files={"file": ("m.eml", _with_id(_eml(), "page-1"), "message/rfc822")},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/indgaaende?ok=modtaget"
    listed = c.get("/indgaaende?ok=modtaget").text
    assert "Mailen er lagt i Indgående." in listed and "Klaus Goldschmidt Henriksen" in listed and "11. maj 2023" in listed
    dup = c.post("/indgaaende", data={"csrf": csrf}, files={"file": ("m.eml", _with_id(_eml(), "page-1"), "message/rfc822")})
    assert dup.status_code == 409 and "allerede i Indgående" in dup.text
    item = int(re.search(r'action="/indgaaende/(\d+)/opret"', listed).group(1))
    opened = c.post(f"/indgaaende/{item}/opret", data={"csrf": csrf}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/henvendelser/")
    assert "Hvad gør forvaltningen ved den?" in c.get(opened.headers["location"]).text


def test_a_mail_with_characters_no_database_holds_is_stored_cleaned(api, seeded):
    kk = _headers(seeded, "kk-sek", "kk-bif")
    mail = _with_id(_eml(), "nul-1").replace(b"Hvor lang", b"Hvor\x00 lang").replace(b"SV: ", b"SV:\x01 ")
    r = api.client.post("/api/v1/intake", headers=kk, files={"file": ("m.eml", mail, "message/rfc822")})
    assert r.status_code == 201, r.text
    assert r.json()["questions"][0].startswith("Hvor lang") and "\x00" not in r.text
    # A mangled message is a 422 naming the file, never a 500.
    broken = api.client.post("/api/v1/intake", headers=kk, files={"file": ("x.eml", b"From: \xff\xfe\n\n\x00" * 50, "x")})
    assert broken.status_code in (201, 422), broken.text


def _follow_up_mail(subject: str, body: str, message_id: str) -> bytes:
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Åse Ærø-Øster <aase@kk.dk>", "bif@kk.dk", subject
    m["Date"], m["Message-ID"] = "Mon, 06 Jan 2025 09:00:00 +0100", f"<{message_id}@kk.dk>"
    m.set_content(body)
    return m.as_bytes()


def _receive(api, headers, mail: bytes) -> dict:
    r = api.client.post("/api/v1/intake", headers=headers, files={"file": ("m.eml", mail, "message/rfc822")})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_follow_up_joins_the_inquiry_it_names_by_case_number_or_subject_and_never_another_municipalitys(api, seeded):
    from tests.test_api_inquiries import _new

    kk = _headers(seeded, "kk-sek", "kk-bif")
    aalborg = _headers(seeded, "aalborg-sek", "aalborg-fb")
    open_one = api.post("/api/v1/inquiries", json=_new()).json()  # F2 "2024 - 1234", being answered
    # Aalborg happens to have the same case number: never suggested to Copenhagen, never joined.
    theirs = api.post("/api/v1/inquiries", json=_new(organisation="aalborg-fb", title="Noget andet")).json()
    item = _receive(api, kk, _follow_up_mail("SV: Spørgsmål (sag 2024-1234)",
                                             "Jeg har to spørgsmål mere:\n1. Hvor mange venter?\n2. Siden hvornår?\n", "fu-1"))
    assert [(f["inquiry_id"], f["case_number"]) for f in item["follows"]] == [(open_one["id"], "2024-1234")]
    listed = next(i for i in api.client.get("/api/v1/intake", headers=kk).json()["items"] if i["id"] == item["id"])
    assert listed["follows"] == item["follows"]
    refused = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={"follow_up_of": theirs["id"]})
    assert refused.status_code == 404  # another municipality's inquiry is not found
    joined = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={"follow_up_of": open_one["id"]})
    assert joined.status_code == 201, joined.text
    assert joined.json()["id"] == open_one["id"]
    assert [(q["number"], q["text"]) for q in joined.json()["questions"]][2:] == [(3, "Hvor mange venter?"), (4, "Siden hvornår?")]
    assert len(api.get(f"/api/v1/inquiries/{theirs['id']}", role="admin").json()["questions"]) == 2
    # By subject alone (no case number), and from Aalborg nothing of Copenhagen's.
    second = _receive(api, kk, _follow_up_mail("VS: Ventetider på lægekonsulentvurderinger", "1. Og i 2025?\n", "fu-2"))
    listed = next(i for i in api.client.get("/api/v1/intake", headers=kk).json()["items"] if i["id"] == second["id"])
    assert [(f["inquiry_id"], f["case_number"]) for f in listed["follows"]] == [(open_one["id"], None)]
    assert api.client.get("/api/v1/intake", headers=aalborg).json()["items"] == []


def test_a_follow_up_to_an_answer_awaiting_approval_waits_and_to_an_answered_one_is_a_new_inquiry_in_its_case(api, seeded, draft):
    kk = _headers(seeded, "aalborg-sek", "aalborg-fb")  # the draft is Aalborg's
    lid, iid = draft["id"], draft["inquiry_id"]
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    item = _receive(api, kk, _follow_up_mail("Opfølgning", "1. Hvad med 2025?\n", "fu-3"))
    waiting = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={"follow_up_of": iid})
    assert waiting.status_code == 409 and "approval" in waiting.text
    assert len(api.get(f"/api/v1/inquiries/{iid}").json()["questions"]) == 2  # nothing added the approver has not seen
    assert api.approve(lid).status_code == 200
    made = api.client.post(f"/api/v1/intake/{item['id']}/accept", headers=kk, json={"follow_up_of": iid})
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["id"] != iid and [q["text"] for q in new["questions"]] == ["Hvad med 2025?"]
    assert [r["number"] for r in new["case_refs"]] == ["2024 - 1234"]  # the same case in the ESDH
    assert api.client.get("/api/v1/intake?status=accepted", headers=kk).json()["items"][0]["inquiry_id"] == new["id"]
