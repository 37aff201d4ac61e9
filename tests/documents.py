"""Helpers for document tests: real clients (LibreOffice, pdftotext, qpdf) and sample contexts."""

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from app.rendering.context import Answer, CaseNumber, LetterContext, Letterhead
from tests.conftest import SEEDS


def need(tool: str, package: str) -> str:
    """The path of `tool`; a skip naming the Debian package, or a failure under REQUIRE_LIBREOFFICE=1."""
    path = shutil.which(tool)
    if path:
        return path
    if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(f"REQUIRE_LIBREOFFICE=1 but {tool} is missing (Debian package {package})")
    pytest.skip(f"{tool} not installed (Debian package {package}); these document checks need it")


def seed_docx(name: str) -> bytes:
    """A seed rebuilt as a Word file, a paragraph per line, as a secretariat's old letter would be."""
    doc = Document()
    for line in (SEEDS / name).read_text(encoding="utf-8").split("\n"):
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdftotext(pdf: Path) -> str:
    """The PDF's text in content order (as a screen reader meets it), pages separated by form feeds."""
    exe = need("pdftotext", "poppler-utils")
    return subprocess.run([exe, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout


def docx_to_pdf(docx_files: list[Path], outdir: Path) -> list[Path]:
    """Convert DOCX files with LibreOffice headless, as a municipality's own Office would open them."""
    exe = need("soffice", "libreoffice-writer-nogui")
    profile = outdir / "lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir),
         *map(str, docx_files)],
        capture_output=True, check=True, timeout=240,
    )
    out = [outdir / (p.stem + ".pdf") for p in docx_files]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return out


def docx_text(data: bytes) -> str:
    """The text of a DOCX as python-docx reads it: the paragraphs, then every table cell."""
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def squash(text: str) -> str:
    """Text without whitespace, quote marks and bidi controls, for checks independent of line breaks."""
    return re.sub(r"[\s“”‘\"'’\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


def sample_context(**overrides) -> LetterContext:
    """A small, complete letter to vary in tests."""
    values = dict(
        kind="brev",
        letterhead=Letterhead(municipality="Testby Kommune", name="Testforvaltningen", unit="Direktionen",
                              street="Vejen 1", postcode="1234", city="Testby", phone="1234 5678", web="www.testby.dk",
                              email=None, logo="logos/kk.svg"),
        title="Svar på spørgsmål om test",
        date=date(2024, 3, 1),
        recipient_name="Anna Andersen",
        recipient_title="MB",
        recipient_email="anna@testby.dk",
        copy_to=None,
        case_numbers=(CaseNumber("F2", "sagsnummer", "2024-0001"),),
        salutation="Kære Anna Andersen",
        intro="Tak for din henvendelse.",
        answers=(Answer(1, "Hvad?", ("Sådan.",)), Answer(2, "Hvorfor?", ("Derfor.", "Og derfor."))),
        signatory_name="Bo Direktør",
        signatory_title="Direktør",
        initials="BD",
    )
    return LetterContext(**(values | overrides))


def calc_rows(xlsx: Path, workdir: Path) -> list[list[str]]:
    """A spreadsheet as LibreOffice Calc reads it, back as rows of the values it shows (semicolon CSV)."""
    exe = need("soffice", "libreoffice-calc-nogui")
    subprocess.run([exe, f"-env:UserInstallation={(workdir / 'lo').as_uri()}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false", "--outdir", str(workdir), str(xlsx)],
                   capture_output=True, check=True, timeout=240)
    return list(csv.reader((workdir / f"{xlsx.stem}.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"))
