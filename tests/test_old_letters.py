"""Importing earlier answer letters: seeds as DOCX and PDF proposed and confirmed; a corpus of bad files is 422."""

import io
import struct
import zipfile

import pikepdf
import pytest
from docx import Document
from sqlmodel import Session, func, select

from app.bank.old_letters import reading
from app.models import Inquiry, Letter, Paragraph
from tests.documents import seed_docx

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def _upload(api, files: list[tuple[str, bytes]], role: str = "drafter"):
    return api.client.post("/api/v1/imports", headers=api.headers(role),
                           files=[("files", (name, data, DOCX_MIME)) for name, data in files])


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Inquiry)).one(),
                session.exec(select(func.count()).select_from(Paragraph)).one())


def test_the_seeds_as_docx_are_found_and_their_paragraphs_recognised(api, seeded):
    before = _counts(seeded)
    r = _upload(api, [("kk.docx", seed_docx("kk-beskaeftigelse-me-cfs-svar-2023.txt")),
                      ("aalborg.docx", seed_docx("aalborg-notat-syg-i-aalborg-2014.txt"))])
    assert r.status_code == 200, r.text
    kk, aalborg = r.json()
    assert len(kk["questions"]) == 3 and kk["questions"][2]["text"].startswith("Hvordan forholder")
    assert kk["case_numbers"][0] == "2023-8126" and kk["letter_date"] == "2023-05-12" and kk["received_on"] == "2023-05-11"
    assert len(aalborg["questions"]) == 11
    assert aalborg["title"].startswith("Svar på spørgsmål i forlængelse af mødet")
    assert "Lægeerklæringer" in aalborg["questions"][4]["text"]
    # The bank already holds these answers: most paragraphs are recognised as the stored ones.
    proposed = [p for q in kk["questions"] + aalborg["questions"] for p in q["paragraphs"]]
    recognised = [p for p in proposed if p["duplicate_of"]]
    assert len(recognised) >= 0.7 * len(proposed)
    assert any(p["duplicate_of"] == "kk-me-cfs-ingen-saerlig-arbejdsgang" for p in recognised)
    assert _counts(seeded) == before  # a proposal stores nothing


def test_a_rendered_pdf_letter_is_read_too(api, seeded):
    with Session(seeded) as session:
        kk = session.exec(select(Letter.id).join(Inquiry, Inquiry.id == Letter.inquiry_id)
                          .where(Inquiry.key == "kk-2023-8126-me-cfs")).one()
    pdf = api.get(f"/api/v1/letters/{kk}/document.pdf").content
    r = _upload(api, [("kk.pdf", pdf)])
    assert r.status_code == 200, r.text
    questions = r.json()[0]["questions"]
    assert len(questions) == 3 and all(q["paragraphs"] for q in questions)


def test_confirm_stores_an_answered_inquiry_that_search_then_finds(api, seeded):
    proposal = _upload(api, [("aalborg.docx", seed_docx("aalborg-notat-syg-i-aalborg-2014.txt"))]).json()[0]
    body = {
        "title": proposal["title"], "asker": {"name": "Beskæftigelsesudvalget"}, "received_on": "2014-03-10",
        "organisation": "aalborg-fb", "case_refs": [{"system": "SBSYS", "kind": "sagsnummer", "number": "2014-13931"}],
        "questions": [{"text": q["text"], "paragraphs": [
            {"include": True, "use_existing": p["duplicate_of"], "title": p["title"], "text": p["text"]}
            for p in q["paragraphs"]]} for q in proposal["questions"]],
    }
    body["questions"][0]["paragraphs"].append({"title": "Nyt afsnit om journaler",
                                               "text": "Journalerne i sundhed.dk opdateres hver nat med nye notater."})
    before_inquiries, before_paragraphs = _counts(seeded)
    r = api.post("/api/v1/imports/confirm", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["paragraphs_added"][0] == "import-nyt-afsnit-om-journaler"
    assert _counts(seeded) == (before_inquiries + 1, before_paragraphs + len(out["paragraphs_added"]))
    inquiry = api.get(f"/api/v1/inquiries/{out['inquiry_id']}").json()
    assert inquiry["status"] == "answered" and len(inquiry["questions"]) == 11
    found = api.get("/api/v1/suggestions", params={"q": "opdateres journalerne i sundhed.dk hver nat?"}).json()["items"]
    assert found[0]["key"] == "import-nyt-afsnit-om-journaler"


def test_confirm_refuses_bad_bodies_and_stores_nothing(api, seeded):
    before = _counts(seeded)
    base = {"title": "T", "asker": {"name": "A"}, "received_on": "2014-03-10",
            "questions": [{"text": "Hvorfor?", "paragraphs": [{"title": "x", "text": "y", "use_existing": "findes-ikke"}]}]}
    assert api.post("/api/v1/imports/confirm", json=base).status_code == 422
    assert api.post("/api/v1/imports/confirm", json={**base, "questions": []}).status_code == 422
    assert api.post("/api/v1/imports/confirm", json={**base, "received_on": "14-03-2014"}).status_code == 422
    assert api.post("/api/v1/imports/confirm", json=base, role="approver").status_code == 403
    assert _counts(seeded) == before


def _valid_docx() -> bytes:
    return seed_docx("kk-beskaeftigelse-me-cfs-svar-2023.txt")


def _crc_flipped() -> bytes:
    data = bytearray(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w:document>" + b"a" * 5000 + b"</w:document>"},
                          zipfile.ZIP_STORED))
    at = data.index(b"aaaa")
    data[at] ^= 0x01  # one bit of the stored content: the CRC no longer matches
    return bytes(data)


def _encrypted_flag() -> bytes:
    data = bytearray(_valid_docx())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, at + offset)[0]
            struct.pack_into("<H", data, at + offset, flags | 0x1)
            start = at + 4
    return bytes(data)


XXE = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
       b'<w:t>Sp\xc3\xb8rgsm\xc3\xa5l 1: &xxe;?</w:t></w:r></w:p></w:body></w:document>')


def _encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="ejer", user="hemmelig"))
    return out.getvalue()


CORPUS = {
    "not-a-zip.docx": lambda: b"Dette er ikke et Word-dokument.",
    "fake-zip.docx": lambda: b"PK\x03\x04" + b"\x00" * 200,
    "empty.docx": lambda: _zip({}),
    "truncated.docx": lambda: _valid_docx()[: len(_valid_docx()) // 2],
    "crc-flipped.docx": _crc_flipped,
    "bomb.docx": lambda: _zip({"word/document.xml": b"\x00" * (200 * 1024 * 1024)}),
    "ratio-bomb.docx": lambda: _zip({"word/document.xml": b"<" * (20 * 1024 * 1024)}),
    "10000-entries.docx": lambda: _zip({f"word/media/{i}.xml": b"" for i in range(10_000)}, zipfile.ZIP_STORED),
    "traversal.docx": lambda: _zip({"../../etc/cron.d/evil": b"x", "word/document.xml": b"<x/>"}),
    "xxe.docx": lambda: _zip({"word/document.xml": XXE}),
    "password.docx": lambda: reading.OLE_MAGIC + b"\x00" * 4000,
    "encrypted-zip.docx": _encrypted_flag,
    "no-document.docx": lambda: _zip({"word/styles.xml": b"<x/>"}),
    "bad-xml.docx": lambda: _zip({"word/document.xml": b"<w:document><unclosed>"}),
    "encrypted.pdf": _encrypted_pdf,
    "broken.pdf": lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    "blank.pdf": lambda: (lambda p: (p.add_blank_page(), (o := io.BytesIO()), p.save(o), o.getvalue())[-1])(pikepdf.new()),
    "no-questions.docx": lambda: (lambda d: (d.add_paragraph("Kære alle. Her er intet spørgsmål."), (o := io.BytesIO()),
                                             d.save(o), o.getvalue())[-1])(Document()),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_bad_file_is_422_naming_it_and_stores_nothing(api, seeded, name):
    data = CORPUS[name]()
    before = _counts(seeded)
    r = _upload(api, [("kk.docx", _valid_docx()), (name, data)])
    assert r.status_code == 422, r.text[:300]
    detail = str(r.json()["detail"])
    assert name in detail and "root:" not in detail
    assert _counts(seeded) == before


def test_the_limits_hold_before_anything_is_inflated():
    bomb = CORPUS["bomb.docx"]()
    assert len(bomb) < 300 * 1024  # 200 MB of zeros in a small file
    with pytest.raises(reading.UnreadableFile, match="udpakket"):
        reading.read("bomb.docx", bomb)
    with pytest.raises(reading.UnreadableFile, match="10000 filer"):
        reading.read("many.docx", CORPUS["10000-entries.docx"]())


def test_upload_caps(api):
    assert _upload(api, []).status_code == 422
    many = [(f"{i}.docx", b"x") for i in range(21)]
    assert _upload(api, many).status_code == 422
    big = _upload(api, [("big.docx", b"PK" + b"\x00" * (11 * 1024 * 1024))])
    assert big.status_code == 413
    huge = _upload(api, [("huge.docx", b"\x00" * (26 * 1024 * 1024))])
    assert huge.status_code == 413


def test_the_import_pages_propose_keep_edits_and_store(web, seeded):
    from tests.test_web import csrf_of

    c = web("drafter")
    assert "Indlæs tidligere svar" in c.get("/bibliotek").text
    token = csrf_of(c, "/bibliotek/import")
    bad = c.post("/bibliotek/import", data={"csrf": token}, files=[("files", ("x.docx", b"hello", DOCX_MIME))])
    assert bad.status_code == 422 and "Filerne blev ikke indlæst: x.docx: filen er hverken DOCX eller PDF" in bad.text
    r = c.post("/bibliotek/import", data={"csrf": token},
               files=[("files", ("aalborg.docx", seed_docx("aalborg-notat-syg-i-aalborg-2014.txt"), DOCX_MIME))])
    assert r.status_code == 200 and "Findes allerede i biblioteket" in r.text and "Spørgsmål 11" in r.text
    before = _counts(seeded)
    form = {"csrf": token, "file": "aalborg.docx", "title": "", "asker": "Beskæftigelsesudvalget",
            "received_on": "2014-03-10", "organisation": "aalborg-fb", "case_number": "2014-13931", "questions": "1",
            "q0_include": "1", "q0_text": "Hvor ofte opdateres journalerne?", "q0_paragraphs": "1",
            "q0_p0_include": "1", "q0_p0_title": "Journaler opdateres", "q0_p0_text": "Journalerne opdateres hver nat."}
    missing = c.post("/bibliotek/import/gem", data=form)
    assert missing.status_code == 422 and "Skriv en titel." in missing.text
    assert "Hvor ofte opdateres journalerne?" in missing.text  # what was typed is kept
    assert _counts(seeded) == before
    saved = c.post("/bibliotek/import/gem", data={**form, "title": "Syg i Aalborg"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/henvendelser/")
    assert _counts(seeded) == (before[0] + 1, before[1] + 1)
    assert "Syg i Aalborg" in c.get(saved.headers["location"]).text


ORDINARY = """Københavns Kommune
Beskæftigelses- og Integrationsforvaltningen
Kære Anne Testesen
Svar på dine spørgsmål om ventetider i jobcentret
Sagsnr. 24/12345
12. marts 2024
Du har den 3. marts 2024 stillet følgende spørgsmål:
1. Hvor lang er ventetiden i jobcentret?
2. Hvad gør forvaltningen for at nedbringe den?
Ad 1:
Ventetiden er i gennemsnit fire uger, og den er faldet siden sidste år.
Ad 2:
Forvaltningen har ansat flere sagsbehandlere og følger ventetiden hver måned.
Med venlig hilsen
Jens Jensen"""


def _docx_of(text: str) -> bytes:
    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_an_ordinary_answer_letter_is_read_whole_and_lands_readable(api, web):
    """Questions after '… følgende spørgsmål:', answers after 'Ad 1:', the greeting, the case number, the dates."""
    r = _upload(api, [("ventetider.docx", _docx_of(ORDINARY))])
    assert r.status_code == 200, r.text
    [found] = r.json()
    assert found["title"] == "Svar på dine spørgsmål om ventetider i jobcentret"
    assert found["asker"] == "Anne Testesen" and found["case_numbers"] == ["24/12345"]
    assert found["received_on"] == "2024-03-03" and found["letter_date"] == "2024-03-12"
    assert [q["text"] for q in found["questions"]] == ["Hvor lang er ventetiden i jobcentret?",
                                                      "Hvad gør forvaltningen for at nedbringe den?"]
    assert found["questions"][1]["paragraphs"][0]["text"].startswith("Forvaltningen har ansat")
    confirmed = api.post("/api/v1/imports/confirm", json={
        "title": found["title"], "asker": {"name": found["asker"]}, "received_on": found["received_on"],
        "organisation": "kk-bif", "case_refs": [{"system": "ESDH", "kind": "sagsnummer", "number": "24/12345"}],
        "questions": [{"text": q["text"], "paragraphs": [{"include": True, "title": p["title"], "text": p["text"]}
                                                         for p in q["paragraphs"]]} for q in found["questions"]]})
    assert confirmed.status_code == 201, confirmed.text
    page = web("drafter").get(f"/henvendelser/{confirmed.json()['inquiry_id']}").text
    assert "Intet svar endnu" not in page and "Besvaret i et tidligere brev" in page and "Besvaret med:" in page


def test_a_letter_without_questions_says_what_to_do(api):
    r = _upload(api, [("notat.docx", _docx_of("Kære alle\nHer er referatet fra mødet.\nMed venlig hilsen"))])
    assert r.status_code == 422
    assert "»… følgende spørgsmål:«" in r.text and "opret henvendelsen selv under Ny henvendelse" in r.text
