"""Mail in (issue 20): a saved e-mail (.eml) uploaded on Ny henvendelse becomes the same proposal as a pasted one —
plain, HTML-only, Windows-1252 quoted-printable, forwarded, with a Word letter attached, with an attachment too
large to read, and files that are not e-mail or hold no question."""

import io
import re
from email.message import EmailMessage

import docx
import pytest

QUESTIONS = "Spørgsmål:\n1. Hvor lang er ventetiden på en lægekonsulentvurdering?\n2. Hvad gør forvaltningen ved den?\n"


def _eml(body: str = QUESTIONS, *, subtype: str = "plain", charset: str = "utf-8", cte: str | None = None,
         attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    m = EmailMessage()
    m["From"] = "Klaus Goldschmidt Henriksen <klaus@kk.dk>"
    m["To"] = "bif-sekretariat@kk.dk"
    m["Subject"] = "SV: Ventetider på lægekonsulentvurderinger"
    m["Date"] = "Thu, 11 May 2023 14:32:00 +0200"
    m.set_content(body, subtype=subtype, charset=charset, cte=cte)
    for name, data, mime in attachments:
        maintype, subtype_ = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype_, filename=name)
    return m.as_bytes()


def _upload(client, name: str, data: bytes):
    page = client.get("/henvendelser/ny")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/henvendelser/ny", data={"csrf": csrf, "action": "fortolk", "mail": ""},
                       files={"mailfile": (name, data, "message/rfc822")})


def _questions(text: str) -> list[str]:
    return [q for q in re.findall(r'<textarea id="q\d+" name="question">([^<]*)</textarea>', text) if q]


def _docx(*lines: str) -> bytes:
    out = io.BytesIO()
    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    d.save(out)
    return out.getvalue()


@pytest.mark.parametrize("variant", ["plain", "html", "cp1252-qp"])
def test_an_uploaded_mail_is_read_like_a_pasted_one(web_sqlite, variant):
    body = {"plain": _eml(), "html": _eml("<p>Spørgsmål:</p><p>1. Hvor lang er ventetiden på en lægekonsulentvurdering?<br>"
                                          "2. Hvad gør forvaltningen ved den?</p>", subtype="html"),
            "cp1252-qp": _eml(charset="cp1252", cte="quoted-printable")}[variant]
    r = _upload(web_sqlite("drafter"), "henvendelse.eml", body)
    assert r.status_code == 200, r.text[:500]
    assert "Fandt 2 spørgsmål" in r.text
    assert _questions(r.text) == ["Hvor lang er ventetiden på en lægekonsulentvurdering?", "Hvad gør forvaltningen ved den?"]
    assert 'value="Ventetider på lægekonsulentvurderinger"' in r.text  # SV: is dropped
    assert 'value="Klaus Goldschmidt Henriksen"' in r.text and 'value="klaus@kk.dk"' in r.text
    assert 'value="2023-05-11"' in r.text


def test_a_forwarded_mail_names_the_original_sender_and_date(web_sqlite):
    forwarded = ("Til orientering.\n\n---------- Videresendt besked ----------\nFra: Åse Ærø-Øster <aase@kk.dk>\n"
                 "Sendt: 3. marts 2026 09:12\nEmne: Parkering ved rådhuset\n\n1. Hvor mange pladser er der?\n")
    m = EmailMessage()
    m["From"] = "Sekretariatet <sek@kk.dk>"
    m["Subject"] = "VS: Parkering ved rådhuset"
    m["Date"] = "Fri, 06 Mar 2026 10:00:00 +0100"
    m.set_content(forwarded)
    r = _upload(web_sqlite("drafter"), "vs.eml", m.as_bytes())
    assert 'value="Åse Ærø-Øster"' in r.text and 'value="2026-03-03"' in r.text, r.text[:3000]
    assert _questions(r.text) == ["Hvor mange pladser er der?"]


def test_questions_in_an_attached_letter_are_found_and_a_huge_attachment_is_named_not_read(web_sqlite):
    letter = _docx("Kære forvaltning", "1. Hvor mange sager er forlænget i år?", "2. Hvor mange er afsluttet?")
    huge = b"PK" + b"\0" * (11 * 1024 * 1024)
    r = _upload(web_sqlite("drafter"), "med-bilag.eml", _eml("Se vedhæftede spørgsmål.", attachments=[
        ("spoergsmaal.docx", letter, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("scanning.pdf", huge, "application/pdf")]))
    assert r.status_code == 200, r.text[:500]
    assert _questions(r.text) == ["Hvor mange sager er forlænget i år?", "Hvor mange er afsluttet?"]
    assert "Bilaget scanning.pdf er over 10 MB og er ikke læst." in r.text  # in the mail field, for the drafter to see


def test_what_is_not_an_email_or_holds_no_question_is_said_plainly(web_sqlite):
    c = web_sqlite("drafter")
    r = _upload(c, "brev.pdf", b"%PDF-1.7 not a mail")
    assert r.status_code == 422 and "Mailen kunne ikke læses" in r.text and "ikke en gemt e-mail" in r.text
    r = _upload(c, "tak.eml", _eml("Tak for et godt møde i går. Vi ses i næste uge."))
    assert r.status_code == 200 and "Fandt ingen nummererede spørgsmål" in r.text


def _outlook(**kwargs) -> bytes:
    from tests.msg_files import outlook_message

    fields = {"subject": "Ventetider på lægekonsulentvurderinger", "body": QUESTIONS, "sender_name": "Klaus Goldschmidt Henriksen",
              "sender_email": "klaus@kk.dk", "date": "Thu, 11 May 2023 14:32:00 +0200", "message_id": "outlook-1@kk.dk"}
    return outlook_message(**(fields | kwargs))


def test_an_outlook_msg_is_read_as_the_eml_is_with_its_attached_letter_and_a_forwarded_original(web_sqlite):
    c = web_sqlite("drafter")
    r = _upload(c, "mail.msg", _outlook())
    assert r.status_code == 200, r.text[:500]
    assert 'value="Klaus Goldschmidt Henriksen"' in r.text and 'value="2023-05-11"' in r.text
    assert _questions(r.text) == ["Hvor lang er ventetiden på en lægekonsulentvurdering?", "Hvad gør forvaltningen ved den?"]
    # HTML only, with the questions in an attached Word letter.
    letter = _docx("Kære forvaltning", "1. Hvor mange sager er forlænget i år?")
    r = _upload(c, "html.msg", _outlook(body=None, html="<p>Se bilaget.</p>", attachments=[("spm.docx", letter)]))
    assert _questions(r.text) == ["Hvor mange sager er forlænget i år?"]
    # The secretariat forwards the council member's mail as an Outlook item: the original sender and date count.
    original = _outlook(sender_name="Åse Ærø-Øster", sender_email="aase@kk.dk", date="Tue, 03 Mar 2026 09:12:00 +0100")
    r = _upload(c, "vs.msg", _outlook(subject="VS: Parkering", body="Til orientering.", sender_name="Sekretariatet",
                                      sender_email="sek@kk.dk", date="Fri, 06 Mar 2026 10:00:00 +0100", embedded=original))
    assert 'value="Åse Ærø-Øster"' in r.text and 'value="2026-03-03"' in r.text


def test_a_broken_outlook_file_is_said_plainly(web_sqlite):
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    r = _upload(web_sqlite("drafter"), "mail.msg", broken)
    assert r.status_code == 422 and "Mailen kunne ikke læses" in r.text, r.text[:2000]
