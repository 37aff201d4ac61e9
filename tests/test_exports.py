"""ESDH export: bundles that validate and reproduce, sealed PDFs, safe names, and faults that leave nothing half done."""

import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text
from sqlmodel import Session, select

from app.exports import service as export_service
from app.exports.filenames import safe_name
from tests.test_workflow import draft  # noqa: F401 - the fixture
from app.exports.targets import DropFolder, ExportFailed
from app.models import ExportRecord, LetterDocument, Organisation
from app.rendering import seal
from tests.conftest import ROOT
from tests.test_api_inquiries import _new
from tests.test_bank_import import _besvar
from tests.conftest import _web

@pytest.fixture
def drop(tmp_path) -> Path:
    """An empty drop folder (tmp_path itself also holds the test's SQLite database)."""
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


XSD = etree.XMLSchema(etree.parse(str(ROOT / "app" / "exports" / "besvar-metadata-1.xsd")))


def approve_seed(api, key: str = "kk-2023-8126-me-cfs-brev") -> int:
    """Submit and approve a seed letter over the API; its id."""
    items = [api.get(f"/api/v1/letters/{n}").json() for n in (1, 2)]
    lid = next(i["id"] for i in items if (i["kind"] == "brev") == key.endswith("brev"))
    assert api.post(f"/api/v1/letters/{lid}/submit", json={}).status_code == 200
    assert api.approve(lid, role="approver").status_code == 200
    return lid


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_bundle_holds_the_documents_and_metadata_that_validate(api):
    lid = approve_seed(api, "aalborg-2014-13931-syg-i-aalborg-notat")
    r = api.get(f"/api/v1/letters/{lid}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    files = _members(r.content)
    base = "2014-13931_notat_Svar_paa_spoergsmaal_i_forlaengelse_af_moedet_med_Syg_i_Aalborg"
    assert sorted(files) == sorted([f"{base}.pdf", f"{base}.docx", "metadata.json", "metadata.xml", "SHA256SUMS"])
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(files[name]).hexdigest() == digest
    meta = json.loads(files["metadata.json"])
    assert meta["document_kind"] == "notat" and meta["document_type"] == "Notat" and meta["document_date"] == "2014-03-24"
    assert meta["case_refs"] == [{"system": "ESDH", "kind": "sagsnummer", "number": "2014-13931"}]
    assert meta["sender"]["municipality"] == "Aalborg Kommune" and meta["copy_to"] == "Forvaltningsledelsen"
    assert meta["approver"]["username"] == "test-approver" and meta["inquiry"]["received_on"] == "2014-03-24"
    assert len(meta["questions"]) == 11 and {"key": "aalborg-sager-over-5-aar", "version": 1,
                                             "title": "Antal sager med en varighed over 5 år"} in meta["paragraphs"]
    assert {"key": "aalborg-kontanthjaelpssager", "period": "2013-11-01", "value": 5555.0, "source": "jobindsats.dk"} in meta["statistics"]
    assert meta["generator"]["name"] == "Besvar" and meta["signature"] == {"sealed": False, "signer": None}
    assert {f["name"]: f["sha256"] for f in meta["files"]}[f"{base}.pdf"] == hashlib.sha256(files[f"{base}.pdf"]).hexdigest()
    xml = etree.fromstring(files["metadata.xml"])
    XSD.assertValid(xml)
    ns = {"m": "urn:besvar:metadata:1"}
    assert xml.findtext("m:title", namespaces=ns) == meta["title"]
    assert len(xml.findall("m:questions/m:item", namespaces=ns)) == 11
    # Issue 21, finding 14: an empty field is in both files, null in the JSON and xsi:nil in the XML, path by path.
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    xml_nulls = {"/".join(e.tag.split("}")[1] for e in [*list(el.iterancestors())[::-1][1:], el])
                 for el in xml.iter() if el.get(nil) == "true"}

    def json_nulls(value, path=()):
        if value is None:
            yield "/".join(path)
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from json_nulls(v, (*path, k))
        elif isinstance(value, list):
            for v in value:
                yield from json_nulls(v, (*path, "item"))

    assert xml_nulls == set(json_nulls(meta)) and {"signature/signer", "kle/subject_number"} <= xml_nulls


def test_the_metadata_says_when_it_was_filed_who_submitted_and_under_which_access_marking(api, draft):
    """Issue 21, finding 14: the journal date, who submitted, and an access marking — the drafter's, or else the
    personal-data check's — in JSON and in XML alike."""
    from app.inquiries.deadlines import today

    ns = {"m": "urn:besvar:metadata:1"}
    lid, q1 = draft["id"], draft["answers"][0]["question_id"]
    q2 = draft["answers"][1]["question_id"]
    with_cpr = [{"question_id": q1, "blocks": [{"text": "Borgeren (010203-1234) har fået svar."}]},
                {"question_id": q2, "blocks": [{"text": "Svar."}]}]
    assert api.put(f"/api/v1/letters/{lid}", json={"version": 2, "answers": with_cpr}).status_code == 200
    assert api.post(f"/api/v1/letters/{lid}/submit", json={"confirm_personal_data": True}).status_code == 200
    assert api.approve(lid).status_code == 200
    files = _members(api.get(f"/api/v1/letters/{lid}/export").content)
    meta, xml = json.loads(files["metadata.json"]), etree.fromstring(files["metadata.xml"])
    XSD.assertValid(xml)
    # Its approval's date: a bundle made another day is the same bundle.
    assert meta["journal_date"] == today().isoformat() == xml.findtext("m:journal_date", namespaces=ns)
    assert meta["submitted_by"]["username"] == meta["drafted_by"]["username"] == xml.findtext("m:submitted_by/m:username", namespaces=ns)
    # The names and codes of API.md, for the records system to map: open, personal_data, confidential.
    assert (meta["access"], meta["access_decided_by"]) == ("personal_data", "personal_data_check")
    assert xml.findtext("m:access", namespaces=ns) == "personal_data"
    # The drafter marks another letter confidential: that is what is filed. A marking that does not exist is 422.
    inquiry = api.post("/api/v1/inquiries", json=_new(organisation="aalborg-fb")).json()
    other = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    assert api.put(f"/api/v1/letters/{other['id']}", json={"version": 1, "access": "hemmelig"}).status_code == 422
    answers = [{"question_id": q["id"], "blocks": [{"text": "Svar."}]} for q in inquiry["questions"]]
    saved = api.put(f"/api/v1/letters/{other['id']}", json={"version": 1, "access": "fortrolig", "answers": answers})
    assert saved.status_code == 200 and saved.json()["access"] == "fortrolig"
    assert api.post(f"/api/v1/letters/{other['id']}/submit", json={}).status_code == 200
    assert api.approve(other["id"]).status_code == 200
    meta = json.loads(_members(api.get(f"/api/v1/letters/{other['id']}/export").content)["metadata.json"])
    assert (meta["access"], meta["access_decided_by"]) == ("confidential", "drafter")


def test_kle_and_document_number_when_set(api):
    inquiry = api.post("/api/v1/inquiries", json=_new(kle_number="15.00.00", kle_action="G01", case_refs=[
        {"system": "F2", "kind": "sagsnummer", "number": "2024-77"}, {"system": "F2", "kind": "dokumentnummer", "number": "555"}])).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    q1, q2 = (q["id"] for q in inquiry["questions"])
    api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": [
        {"question_id": q1, "blocks": [{"text": "Svar et."}]}, {"question_id": q2, "blocks": [{"text": "Svar to."}]}]})
    api.post(f"/api/v1/letters/{letter['id']}/submit", json={})
    api.approve(letter['id'], role="approver")
    files = _members(api.get(f"/api/v1/letters/{letter['id']}/export").content)
    meta = json.loads(files["metadata.json"])
    assert meta["kle"] == {"subject_number": "15.00.00", "action_facet": "G01"} and meta["document_number"] == "555"
    assert "2024-77_555_brev_Svar_paa_spoergsmaal_om_ventetider_paa_laegekonsulentvurderinger.pdf" in files
    XSD.assertValid(etree.fromstring(files["metadata.xml"]))


def test_same_bundle_from_the_api_twice_the_ui_and_the_command_line(api, seeded, database_url, drop):
    lid = approve_seed(api)
    first, second = (api.get(f"/api/v1/letters/{lid}/export").content for _ in range(2))
    assert first == second
    web = _web(seeded)("drafter")
    ui = web.get(f"/breve/{lid}/esdh.zip")
    assert ui.status_code == 200 and ui.content == first
    assert "Hent ESDH-pakke" in web.get(f"/breve/{lid}").text
    result = _besvar(["export", "--approved", "--to", str(drop)], database_url)
    assert result.returncode == 0 and "exported 1 of 1 letters" in result.stdout, result.stderr
    [folder] = [p for p in drop.iterdir() if not p.name.startswith(".")]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == _members(first)
    again = _besvar(["export", "--approved", "--to", str(drop)], database_url)
    assert "exported 0 of 0 letters" in again.stdout
    with Session(seeded) as session:
        records = session.exec(select(ExportRecord).where(ExportRecord.letter_id == lid)).all()
    assert [r.delivered for r in records] == [False, False, False, True]
    actions = [e["action"] for e in api.get("/api/v1/audit", params={"letter_id": lid}).json()["items"]]
    assert actions.count("letter.export") == 4
    assert "Eksporteret" in web.get(f"/breve/{lid}").text


def test_only_approved_letters_export(api, seeded):
    assert api.get("/api/v1/letters/1/export").status_code == 409
    assert api.get("/api/v1/letters/424242/export").status_code == 404
    web = _web(seeded)("drafter")
    r = web.get("/breve/1/esdh.zip")
    assert r.status_code == 409 and "ændret eller har skiftet status" in r.text


@pytest.mark.parametrize(
    ("pattern", "values", "transliterate", "expected"),
    [
        (None, {"case_number": "2023 - 8126", "document_number": "3199008", "kind": "brev", "title": "Svar om ME/CFS"},
         True, "2023_-_8126_3199008_brev_Svar_om_ME_CFS"),
        ("{title}", {"title": "Æblegrød på Ærø – øl"}, True, "Aeblegroed_paa_Aeroe_oel"),
        ("{title}", {"title": "Æblegrød på Ærø"}, False, "Æblegrød_på_Ærø"),
        ("{title}", {"title": "../../etc/passwd"}, True, "etc_passwd"),
        ("{title}", {"title": "Borger 010203-1234 klager"}, True, "Borger_x_klager"),
        ("{title}", {"title": "Borger 0102031234"}, True, "Borger_x"),
        ("{title}", {"title": "a" * 300}, True, "a" * 120),
        ("{title}", {"title": "\x00\n\t"}, True, "dokument"),
        ("{kind}-{date}-{letter_id}", {"kind": "notat", "date": "2014-03-24", "letter_id": "7"}, True, "notat-2014-03-24-7"),
    ],
)
def test_file_names_are_safe(pattern, values, transliterate, expected):
    assert safe_name(pattern, values, transliterate=transliterate) == expected


@pytest.fixture(scope="module")
def test_seal(tmp_path_factory):
    path = tmp_path_factory.mktemp("seal") / "kk.p12"
    seal.make_test_certificate(path, name="Københavns Kommune", password=b"testsegl")
    return path


def test_sealed_pdf_validates_and_one_changed_byte_breaks_it(api, test_seal, monkeypatch):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    monkeypatch.setenv("BESVAR_SEAL_P12_KK_BIF", str(test_seal))
    monkeypatch.setenv("BESVAR_SEAL_PASSWORD_KK_BIF", "testsegl")
    lid = approve_seed(api)
    files = _members(api.get(f"/api/v1/letters/{lid}/export").content)
    pdf = next(data for name, data in files.items() if name.endswith(".pdf"))
    meta = json.loads(files["metadata.json"])
    assert meta["signature"]["sealed"] is True and "Københavns Kommune" in meta["signature"]["signer"]
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    trust = ValidationContext(trust_roots=[signature.signer_cert])
    status = validate_pdf_signature(signature, trust)
    assert status.intact and status.valid and status.bottom_line
    # The sealed PDF is still tagged PDF/A, and the frozen bytes are the sealed ones.
    assert api.get(f"/api/v1/letters/{lid}/document.pdf").content == pdf
    tampered = bytearray(pdf)
    at = pdf.index(b"Henrik Lund") if b"Henrik Lund" in pdf else len(pdf) // 3
    tampered[at] ^= 0x01
    try:
        broken = PdfFileReader(io.BytesIO(bytes(tampered)), strict=False).embedded_signatures[0]
        assert not validate_pdf_signature(broken, trust).intact
    except Exception as exc:  # noqa: BLE001 - a PDF too broken to read counts as broken too
        assert "intact" not in str(exc)


def test_a_sealed_pdf_keeps_its_pdfa_metadata_consistent_covers_the_whole_file_and_says_when(api, test_seal, monkeypatch,
                                                                                             tmp_path):
    """Issue 21, finding 12: after the seal the XMP said Producer "pyHanko …", the Info "WeasyPrint …; pyHanko …"."""
    import subprocess
    from datetime import UTC, datetime, timedelta

    import pikepdf
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from tests.documents import need

    monkeypatch.setenv("BESVAR_SEAL_P12_KK_BIF", str(test_seal))
    monkeypatch.setenv("BESVAR_SEAL_PASSWORD_KK_BIF", "testsegl")
    lid = approve_seed(api)
    pdf = api.get(f"/api/v1/letters/{lid}/document.pdf").content
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert str(doc.docinfo["/Producer"]) == meta["pdf:Producer"]
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"  # still claimed, and true:
        assert str(doc.docinfo["/Title"]) == meta["dc:title"]
        info_date = datetime.strptime(str(doc.docinfo["/ModDate"])[2:16], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        assert abs(datetime.fromisoformat(meta["xmp:ModifyDate"]) - info_date) < timedelta(seconds=1)
        # B-LT: the chain in the PKCS#12 file is embedded as validation data (a DSS), nothing fetched.
        assert "/DSS" in doc.Root and len(doc.Root.DSS.Certs) >= 1
        # The seal's widget is hidden and named, so PDF/UA asks no tag of it.
        widget = doc.Root.AcroForm.Fields[0]
        assert int(widget.F) & 2 and str(widget.TU).startswith("Besvars segl")
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signature.signer_cert]))
    # The seal covers everything but the DSS revision PAdES B-LT adds after it, which changes nothing shown.
    assert status.intact and status.valid and status.coverage in (SignatureCoverageLevel.ENTIRE_FILE,
                                                                  SignatureCoverageLevel.ENTIRE_REVISION)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE or status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.signer_reported_dt is not None and abs(status.signer_reported_dt - datetime.now(UTC)) < timedelta(minutes=5)
    (tmp_path / "sealed.pdf").write_bytes(pdf)
    checked = subprocess.run([need("qpdf", "qpdf"), "--check", str(tmp_path / "sealed.pdf")], capture_output=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The sealed PDF passes the PDF/UA rules as the unsealed one does (tests/test_documents_pdfua.py).
    import pdfua
    assert [(f.rule_id, f.message) for f in pdfua.validate(str(tmp_path / "sealed.pdf")).findings] == []


def test_with_a_timestamp_authority_the_seal_carries_its_timestamp_and_without_one_it_still_seals(api, test_seal, monkeypatch):
    """Issue 21, finding 12: PAdES B-T when BESVAR_TSA_URL names an RFC 3161 server (one started here)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from tests.mail_server import free_port
    from tests.tsa_server import TsaServer

    tsa = TsaServer()
    tsa.start()
    monkeypatch.setenv("BESVAR_SEAL_P12_KK_BIF", str(test_seal))
    monkeypatch.setenv("BESVAR_SEAL_PASSWORD_KK_BIF", "testsegl")
    monkeypatch.setenv("BESVAR_TSA_URL", tsa.url)
    try:
        pdf = api.get(f"/api/v1/letters/{approve_seed(api)}/document.pdf").content
    finally:
        tsa.stop()
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    trust = ValidationContext(trust_roots=[signature.signer_cert, tsa.cert])
    status = validate_pdf_signature(signature, trust)
    assert tsa.requests >= 1 and status.intact and status.valid  # pyHanko asks once more to size the token
    assert status.timestamp_validity is not None and status.timestamp_validity.valid and status.timestamp_validity.intact
    # The timestamp service down: the approval does not wait for it; the seal is made without a timestamp.
    monkeypatch.setenv("BESVAR_TSA_URL", f"http://127.0.0.1:{free_port()}/tsa")
    monkeypatch.setenv("BESVAR_SEAL_P12_AALBORG_FB", str(test_seal))
    monkeypatch.setenv("BESVAR_SEAL_PASSWORD_AALBORG_FB", "testsegl")
    pdf = api.get(f"/api/v1/letters/{approve_seed(api, 'aalborg-2014-13931-syg-i-aalborg-notat')}/document.pdf").content
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signature.signer_cert]))
    assert status.intact and status.valid and status.timestamp_validity is None


@pytest.mark.parametrize(
    "fault",
    [errno.ENOSPC, errno.EROFS, errno.EACCES],
    ids=["full", "read-only", "no-permission"],
)
def test_a_failing_drop_folder_leaves_nothing_and_a_retry_succeeds(api, seeded, drop, monkeypatch, fault):
    lid = approve_seed(api)
    calls = {"n": 0}
    real_write = DropFolder._write

    def failing(self, path, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(fault, os.strerror(fault))
        return real_write(self, path, data)

    monkeypatch.setattr(DropFolder, "_write", failing)
    with Session(seeded) as session:
        with pytest.raises(ExportFailed) as exc:
            export_service.deliver(session, letter_id=lid, target=DropFolder(drop), actor="test")
        assert os.strerror(fault) in exc.value.detail
        assert export_service.pending(session) == [lid]
    assert list(drop.iterdir()) == []
    monkeypatch.setattr(DropFolder, "_write", real_write)
    with Session(seeded) as session:
        export_service.deliver(session, letter_id=lid, target=DropFolder(drop), actor="test")
        assert export_service.pending(session) == []
    [folder] = list(drop.iterdir())
    assert len(list(folder.iterdir())) == 5


def test_a_missing_drop_folder_is_a_clear_error(api, seeded, database_url, drop):
    lid = approve_seed(api)
    with Session(seeded) as session:
        with pytest.raises(ExportFailed, match="does not exist"):
            export_service.deliver(session, letter_id=lid, target=DropFolder(drop / "findes-ikke"), actor="test")
    result = _besvar(["export", "--approved", "--to", str(drop / "findes-ikke")], database_url)
    assert result.returncode == 2 and "no such folder" in result.stderr
    with Session(seeded) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        org.export = {"drop_folder": str(drop / "væk")}
        session.commit()
    result = _besvar(["export", "--approved"], database_url)
    assert result.returncode == 1 and "does not exist" in result.stderr and "1 failed and stay pending" in result.stdout


def test_an_export_killed_half_way_finishes_exactly_once(api, seeded, database_url, drop):
    inquiry = api.post("/api/v1/inquiries", json=_new(questions=[{"text": "Hvad?"}])).json()
    qid = inquiry["questions"][0]["id"]
    ids = []
    for n in range(12):
        letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "notat"}).json()
        api.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "title": f"Notat nummer {n}",
                                                           "answers": [{"question_id": qid, "blocks": [{"text": f"Svar {n}."}]}]})
        api.post(f"/api/v1/letters/{letter['id']}/submit", json={})
        assert api.approve(letter['id'], role="approver").status_code == 200
        ids.append(letter["id"])
    exe = Path(sys.executable).with_name("besvar")
    for delay in (0.6, 1.2):
        proc = subprocess.Popen([str(exe), "export", "--approved", "--to", str(drop)], cwd=ROOT,
                                env={**os.environ, "DATABASE_URL": database_url}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for folder in (p for p in drop.iterdir() if not p.name.startswith(".")):
            sums = (folder / "SHA256SUMS").read_text().splitlines()
            assert len(sums) == 4 and all(hashlib.sha256((folder / line.split("  ")[1]).read_bytes()).hexdigest()
                                          == line.split("  ")[0] for line in sums), folder
    result = _besvar(["export", "--approved", "--to", str(drop)], database_url)
    assert result.returncode == 0, result.stderr
    assert not [p for p in drop.iterdir() if p.name.startswith(".")]
    folders = [p for p in drop.iterdir()]
    assert len(folders) == 12
    with Session(seeded) as session:
        delivered = session.exec(select(ExportRecord.letter_id).where(ExportRecord.delivered.is_(True))).all()
    assert sorted(delivered) == sorted(ids)


def test_getorganized_adapter_sends_the_document_as_getorganized_expects(api, seeded, database_url):
    received = []

    class FakeGetOrganized(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.path, self.headers.get("Content-Type"), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"DocId": 4711}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), FakeGetOrganized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Session(seeded) as session:
            org = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
            org.export = {"getorganized": {"url": f"http://127.0.0.1:{server.server_address[1]}", "case_system": "F2",
                                           "list_name": "Dokumenter", "folder_path": "Besvar",
                                           "columns": {"journal_date": "Journal_x0020_dato"}}}
            session.commit()
        lid = approve_seed(api)
        result = _besvar(["export", "--approved"], database_url)
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    [(path, content_type, body)] = received
    assert path == "/_goapi/Documents/AddToCase" and content_type == "application/json"
    assert set(body) == {"CaseId", "ListName", "FolderPath", "FileName", "Metadata", "Bytes", "Overwrite"}
    assert body["CaseId"] == "2023 - 8126" and body["ListName"] == "Dokumenter" and body["FolderPath"] == "Besvar"
    assert body["FileName"].endswith(".pdf") and body["Metadata"].startswith('<z:row xmlns:z="#RowsetSchema" ows_Title=')
    row = etree.fromstring(body["Metadata"].encode())  # well-formed XML
    assert bytes(body["Bytes"]) == api.get(f"/api/v1/letters/{lid}/document.pdf").content
    with Session(seeded) as session:
        record = session.exec(select(ExportRecord).where(ExportRecord.letter_id == lid)).one()
    assert record.delivered and "document 4711" in record.target
    # Issue 21, finding 14: the journal fields in the KLE terms GetOrganized files by, a site's own column names kept.
    meta = json.loads(_members(api.get(f"/api/v1/letters/{lid}/export").content)["metadata.json"])
    assert row.get("ows_Journal_x0020_dato") == meta["journal_date"] and row.get("ows_Adgang") == "Åben"
    assert row.get("ows_Sagsnummer") == "2023 - 8126" and row.get("ows_Sagsbehandler") == ""  # the seed has no drafter
    assert row.get("ows_KLE") == (meta["kle"]["subject_number"] or "") and row.get("ows_Handlingsfacet") is not None


@pytest.mark.parametrize("bad", ["9999-12-31", "0001-01-01", "1989-12-31", "2100-01-01"])
def test_an_implausible_letter_date_is_refused_and_changes_nothing(api, seeded, bad):
    letter = api.get("/api/v1/letters/1").json()
    r = api.put("/api/v1/letters/1", json={"version": letter["version"], "letter_date": bad})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "letter_date", r.text
    assert api.get("/api/v1/letters/1").json() == letter
    web = _web(seeded)("drafter")
    page = web.get("/breve/1").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    form = {"csrf": csrf, "version": str(letter["version"]), "title": "Svar", "kind": letter["kind"],
            "letter_date": bad, "action": "save"}
    r = web.post("/breve/1", data=form)
    assert r.status_code == 422 and "gyldig dato mellem 1990 og 2099" in r.text
    assert api.get("/api/v1/letters/1").json() == letter


def _stored_as_approved(seeded, letter_id: int, *, like: int, letter_date: str, pdf: bytes, docx: bytes) -> None:
    """A letter approved before dates (or documents) were checked, by the approver of `like`: written as it was then."""
    with Session(seeded) as session:
        session.exec(text("UPDATE letter SET status = 'approved', letter_date = :d, approved_by_id = (SELECT approved_by_id "
                          "FROM letter WHERE id = :like), approved_at = (SELECT approved_at FROM letter WHERE id = :like) "
                          "WHERE id = :id"), params={"d": letter_date, "id": letter_id, "like": like})
        for fmt, content in (("pdf", pdf), ("docx", docx)):
            session.add(LetterDocument(letter_id=letter_id, format=fmt, content=content,
                                       sha256=hashlib.sha256(content).hexdigest()))
        session.commit()


def test_a_stored_bad_date_is_refused_at_submit_and_never_breaks_the_export(api, seeded, database_url, drop):
    """9999-12-31 from before the check: submit says so; an approved one exports, and the letters after it do too."""
    bad = next(n for n in (1, 2) if api.get(f"/api/v1/letters/{n}").json()["kind"] == "notat")
    with Session(seeded) as session:
        session.exec(text("UPDATE letter SET letter_date = '9999-12-31' WHERE id = :id"), params={"id": bad})
        session.commit()
    r = api.post(f"/api/v1/letters/{bad}/submit", json={})
    assert r.status_code == 422 and "letter_date 9999-12-31" in r.text
    good = approve_seed(api)
    frozen = {d: api.get(f"/api/v1/letters/{good}/document.{d}").content for d in ("pdf", "docx")}
    # A third letter, approved long ago with an impossible date and a damaged PDF, comes first in the queue.
    third = api.post("/api/v1/letters", json={"inquiry_id": api.get(f"/api/v1/letters/{good}").json()["inquiry_id"],
                                              "kind": "notat"}).json()["id"]
    _stored_as_approved(seeded, bad, like=good, letter_date="9999-12-31", pdf=frozen["pdf"], docx=frozen["docx"])
    _stored_as_approved(seeded, third, like=good, letter_date="2024-01-02", pdf=b"%PDF-1.7 beskadiget", docx=b"PK ikke en docx")
    assert api.get(f"/api/v1/letters/{bad}/export").status_code == 200
    result = _besvar(["export", "--approved", "--to", str(drop)], database_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "exported 2 of 3 letters; 1 failed and stay pending" in result.stdout
    assert f"letter {third}:" in result.stderr and "Traceback" not in result.stderr
    with Session(seeded) as session:
        delivered = set(session.exec(select(ExportRecord.letter_id).where(ExportRecord.delivered.is_(True))))
    assert delivered == {bad, good}
