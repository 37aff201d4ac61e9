"""The hostile-input corpus (tests/corpus/) through every entry point: a 4xx or stored and shown literally, never run, never a 5xx."""

import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from sqlmodel import Session, col, func, select

from app.db import make_engine
from app.fields import clean_text
from app.models import Paragraph
from tests.conftest import BANK
from tests.documents import docx_text, pdftotext, squash
from tests.test_bank_import import _besvar
from tests.test_old_letters import DOCX_MIME, seed_docx
from tests.test_web import csrf_of

CORPUS = Path(__file__).parent / "corpus"
CPR = re.compile(r"\d{6}-?\d{4}")


def strings(canary: str = "http://127.0.0.1:9") -> list[tuple[str, str]]:
    """(name, text) of every hostile string, {CANARY} filled in."""
    out = []
    for s in json.loads((CORPUS / "strings.json").read_text())["strings"]:
        text = s["repeat"] * s["times"] if "repeat" in s else s["text"]
        out.append((s["name"], text.replace("{CANARY}", canary)))
    return out


def stored(text: str) -> str:
    """What the API keeps of a text: the documented cleaning, outer whitespace stripped."""
    return clean_text(text).strip()


def send_json(client, method: str, path: str, body: dict, headers: dict):
    """JSON as any client may send it: lone surrogates escaped as \\ud800, the rest ASCII-escaped."""
    return client.request(method, path, content=json.dumps(body), headers=headers | {"Content-Type": "application/json"})


def get_raw(client, path: str, params: dict, headers: dict | None = None):
    """A GET whose query is percent-encoded bytes, even for a lone surrogate (as a broken client sends it)."""
    query = urlencode(params, encoding="utf-8", errors="surrogatepass")
    return client.get(f"{path}?{query}", headers=headers or {})


def post_form(client, path: str, data: dict, **kw):
    """A urlencoded form as a browser sends it, lone surrogates included."""
    body = urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")
    return client.post(path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, **kw)


def test_the_corpus_has_every_class_the_issue_names():
    names = {n for n, _ in strings()}
    for wanted in ("control characters", "lone surrogates", "one megabyte", "jinja expression", "jinja statement",
                   "html script", "ssrf img", "sql", "fts operators", "cpr number", "path traversal"):
        assert wanted in names
    assert len(strings()[-1][1]) >= 1_000_000


def test_api_fields_keep_hostile_text_literally(api):
    for n, (name, text) in enumerate(strings()):
        h = api.headers()
        r = send_json(api.client, "POST", "/api/v1/inquiries", {"title": text, "asker": {"name": text}, "received_on": "2024-03-01",
                                                               "organisation": "kk-bif", "questions": [{"text": text}]}, h)
        assert r.status_code in (201, 413, 422), (name, r.status_code)
        if r.status_code == 201:
            got = api.get(f"/api/v1/inquiries/{r.json()['id']}").json()
            assert got["title"] == got["questions"][0]["text"] == stored(text), name
        r = send_json(api.client, "POST", "/api/v1/paragraphs", {"key": f"korpus-{n}", "title": text[:300] or "x", "text": text}, h)
        assert r.status_code in (201, 413, 422), (name, r.status_code)
        if r.status_code == 201:
            assert api.get(f"/api/v1/paragraphs/{r.json()['id']}").json()["text"] == stored(text), name
        q = text[:10_000]  # longer URLs are refused by the client itself (and by any proxy)
        for path, params in [("/api/v1/suggestions", {"q": q}), ("/api/v1/inquiries", {"q": q}),
                             ("/api/v1/paragraphs", {"q": q}), ("/api/v1/inquiries", {"asker": q})]:
            status = get_raw(api.client, path, params, h).status_code
            assert status in (200, 414, 422), (name, path, status)
        status = send_json(api.client, "POST", "/api/v1/inquiries/parse", {"text": text}, h).status_code
        assert status in (200, 413, 422), (name, status)


def test_documents_show_hostile_text_and_fetch_nothing(api, canary_server, tmp_path):
    base, hits = canary_server
    payloads = [t for _, t in strings(base) if len(stored(t)) <= 5000 and stored(t)]
    short = [t for t in payloads if len(stored(t)) <= 300]
    joined = " ".join(stored(t) for t in short)[:300]
    h = api.headers()
    inquiry = send_json(api.client, "POST", "/api/v1/inquiries", {
        "title": joined, "asker": {"name": short[6], "role": short[8][:100]}, "received_on": "2024-03-01",
        "organisation": "kk-bif", "case_refs": [{"system": "F2", "kind": "sagsnummer", "number": "../010190-1234"}],
        "questions": [{"text": t} for t in short[:10]]}, h)
    assert inquiry.status_code == 201, inquiry.text
    questions = [q["id"] for q in inquiry.json()["questions"]]
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry.json()["id"], "kind": "brev"}).json()
    fields = {"title": joined, "recipient_name": short[6], "recipient_title": short[7], "copy_to": short[10],
              "salutation": short[11], "intro": " ".join(stored(t) for t in short)[:5000]}
    answers = [{"question_id": q, "blocks": [{"text": payloads[i % len(payloads)]}, {"text": payloads[-1 - i]}]}
               for i, q in enumerate(questions)]
    saved = send_json(api.client, "PUT", f"/api/v1/letters/{letter['id']}",
                      {"version": letter["version"], **fields, "answers": answers}, h)
    assert saved.status_code == 200, saved.text
    pdf = api.get(f"/api/v1/letters/{letter['id']}/document.pdf")
    docx = api.get(f"/api/v1/letters/{letter['id']}/document.docx")
    assert pdf.status_code == docx.status_code == 200
    assert hits == []  # no payload made WeasyPrint fetch anything
    (tmp_path / "l.pdf").write_bytes(pdf.content)
    text = squash(pdftotext(tmp_path / "l.pdf"))
    for literal in ("{{7*7}}", "<script>alert(1)</script>", "{%for", "file:///etc/passwd", "DROPTABLEinquiry"):
        assert literal in text, literal
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        body = z.read("word/document.xml").decode()
    assert "instrText" not in body and "fldSimple" not in body and "INCLUDETEXT" in body  # text, not a field
    words = docx_text(docx.content)
    assert "{{ 7*7 }}" in words and "<script>alert(1)</script>" in words


def test_web_forms_show_hostile_text_escaped(web):
    c = web("drafter")
    token = csrf_of(c)
    for name, text in strings():
        r = post_form(c, "/henvendelser/ny", {"csrf": token, "action": "opret", "title": text, "asker_name": text,
                                              "received_on": "2024-01-02", "organisation": "kk-bif", "question": [text]},
                      follow_redirects=False)
        assert r.status_code in (303, 413, 422), (name, r.status_code)
        page = c.get(r.headers["location"]).text if r.status_code == 303 else r.text
        assert "<script>alert(1)</script>" not in page and "<img src=x onerror" not in page, name
        for path, params in [("/indbakke", {"q": text[:500], "asker": text[:500], "organisation": text[:500]}),
                             ("/bibliotek", {"q": text[:500], "topic": text[:500], "organisation": text[:500]}),
                             ("/frist", {"received_on": "2024-01-02", "organisation": text[:500]})]:
            assert get_raw(c, path, params).status_code == 200, (name, path)


def test_login_and_draft_editor_take_hostile_text(web, seeded):
    anonymous = web()
    c = web("drafter")
    token = csrf_of(c)
    letter = c.post("/henvendelser/1/breve", data={"csrf": token, "kind": "brev"}, follow_redirects=False).headers["location"]
    for name, text in strings():
        status = post_form(anonymous, "/login", {"username": text, "password": text}).status_code
        assert status in (401, 413, 429), (name, status)
        page = c.get(letter).text
        version = re.search(r'name="version" value="(\d+)" id="version"', page)[1]
        qid = re.search(r'name="action" value="insert:(\d+):\d+"', page)[1]
        form = {"csrf": token, "version": version, "title": text[:300], "kind": "brev", "intro": text,
                "blk": [f"{qid}:t:0:0:1"], "txt-1": text, f"stat-{qid}": text, "action": f"stat:{qid}"}
        r = post_form(c, letter, form, follow_redirects=False)
        assert r.status_code in (303, 409, 413, 422), (name, r.status_code)
        assert "<script>alert(1)</script>" not in c.get(letter).text, name


def test_bank_files_with_hostile_text_import_or_are_refused(database_url, tmp_path):
    """Every hostile string as a paragraph's title and text, all in one `besvar bank import` of a folder."""
    folder = tmp_path / "bank"
    folder.mkdir()
    # The organisation the paragraphs belong to is in the folder, so each file is judged on its text alone.
    shutil.copy(BANK / "organisations" / "kk-beskaeftigelse-og-integration.yaml", folder / "00-organisation.yaml")
    corpus = list(strings())
    for n, (_name, text) in enumerate(corpus):
        bank = {"paragraphs": [{"key": f"korpus-{n}", "organisation": "kk-bif", "title": text[:300] or "x", "text": text}]}
        (folder / f"korpus-{n:03d}.yaml").write_text(yaml.safe_dump(bank, allow_unicode=False), encoding="utf-8")
    result = _besvar(["bank", "import", str(folder)], database_url)
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr, result.stderr[-2000:]
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(Paragraph).where(col(Paragraph.key).startswith("korpus-"))).one()
    finally:
        engine.dispose()
    assert 0 < stored <= len(corpus), stored  # the ordinary strings are stored, not only refused


def test_hostile_upload_names_are_only_names(api, web):
    names = json.loads((CORPUS / "filenames.json").read_text())["names"]
    docx = seed_docx("aalborg-notat-syg-i-aalborg-2014.txt")
    r = api.client.post("/api/v1/imports", headers=api.headers(), files=[("files", (n, docx, DOCX_MIME)) for n in names])
    assert r.status_code == 200, r.text[:300]
    # Names are only shown back (the client percent-encodes a NUL); nothing is ever written under them.
    assert [p["file"] for p in r.json()] == [n.replace("\x00", "%00")[:200] for n in names]
    c = web("drafter")
    page = c.post("/bibliotek/import", data={"csrf": csrf_of(c, "/bibliotek/import")},
                  files=[("files", (n, docx, DOCX_MIME)) for n in names[:5] + ["<script>.docx"]])
    assert page.status_code == 200 and "<script>.docx" not in page.text and "&lt;script&gt;.docx" in page.text


def test_exported_file_names_carry_no_path_or_cpr(api):
    inquiry = api.post("/api/v1/inquiries", json={
        "title": "../../etc/passwd 010190-1234", "asker": {"name": "..\\boot 0101901234"}, "received_on": "2024-03-01",
        "organisation": "kk-bif", "case_refs": [{"system": "F2", "kind": "sagsnummer", "number": "../010190-1234"}],
        "questions": [{"text": "Hvad?"}]}).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    answers = [{"question_id": inquiry["questions"][0]["id"], "blocks": [{"text": "Svar."}]}]
    assert api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": answers, "title": "../x 010190-1234"}).status_code == 200
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={"confirm_personal_data": True}).status_code == 200
    assert api.approve(letter['id'], role="approver").status_code == 200
    r = api.get(f"/api/v1/letters/{letter['id']}/export")
    assert r.status_code == 200
    assert "/" not in r.headers["content-disposition"].split("filename", 1)[1]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        for member in z.namelist():
            assert ".." not in member and not member.startswith("/") and "\\" not in member, member
            assert not CPR.search(member), member


@pytest.mark.parametrize("body", json.loads((CORPUS / "bodies.json").read_text())["bodies"], ids=lambda b: b["name"])
@pytest.mark.parametrize("method, path", [("POST", "/api/v1/inquiries"), ("PUT", "/api/v1/letters/1"),
                                          ("POST", "/api/v1/paragraphs"), ("POST", "/api/v1/imports/confirm")])
def test_malformed_bodies_are_4xx_and_change_nothing(api, body, method, path):
    if "nested" in body:
        raw = ("[" * body["nested"] + "]" * body["nested"]).encode()
    elif "body_hex" in body:
        raw = bytes.fromhex(body["body_hex"])
    else:
        raw = body["body"].encode()
    before = api.get("/api/v1/inquiries").json()["total"], api.get("/api/v1/letters/1").json()["version"]
    headers = api.headers() | ({"Content-Type": body["content_type"]} if body["content_type"] else {})
    r = api.client.request(method, path, content=raw, headers=headers)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert (api.get("/api/v1/inquiries").json()["total"], api.get("/api/v1/letters/1").json()["version"]) == before
