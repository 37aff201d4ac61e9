"""WeasyPrint fetches only bundled files; hostile and extreme content renders literally or is refused."""

from dataclasses import replace

import pikepdf
import pytest
from docx import Document

from app.rendering import docx, pdf
from app.rendering.context import Answer, CaseNumber
from app.rendering.templates import TEMPLATES_DIR, TemplateFetcher
from tests.documents import docx_to_pdf, pdftotext, sample_context, squash


def _payloads(base: str) -> list[str]:
    return [
        f'<img src="{base}/img.png">',
        '<img src="file:///etc/passwd">',
        f'<link rel="attachment" href="{base}/attachment">',
        f'<link rel="stylesheet" href="{base}/style.css">',
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>",
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        "{{ 7*7 }} {% if true %}ja{% endif %} <script>alert(1)</script>",
    ]


def test_no_field_makes_weasyprint_fetch_anything(canary_server, tmp_path):
    base, hits = canary_server
    payload = " ".join(_payloads(base))
    ctx = sample_context(
        title=f"Titel {payload}", recipient_name=f"Navn {payload}", recipient_title=payload, recipient_email=payload,
        copy_to=payload, salutation=payload, intro=payload, signatory_name=payload, signatory_title=payload,
        initials="X", case_numbers=(CaseNumber(payload, payload, payload),),
        answers=(Answer(1, f"Spørgsmål {payload}", (f"Svar {payload}",)),),
    )
    for kind in ("brev", "notat"):
        data = pdf.render(replace(ctx, kind=kind))
        assert b"root:x:0:0" not in data
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(data)
        text = squash(pdftotext(path))
        assert squash("{{ 7*7 }} {% if true %}ja{% endif %} <script>alert(1)</script>") in text
        assert squash(f'<img src="{base}/img.png">') in text
        with pikepdf.open(path) as doc:
            assert "/EmbeddedFiles" not in doc.Root.get("/Names", {})
    assert hits == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"{TEMPLATES_DIR.as_uri()}/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        f"{TEMPLATES_DIR.as_uri()}/../pyproject.toml",
        f"{TEMPLATES_DIR.as_uri()}/fonts/%2e%2e/%2e%2e/pyproject.toml",
        f"{TEMPLATES_DIR.as_uri()}-evil/x.css",
        "file://example.org/etc/passwd",
        "http://127.0.0.1:1/x.css",
        "https://example.org/logo.png",
        "data:text/css,body{}",
        "ftp://example.org/x",
    ],
)
def test_fetcher_refuses_everything_outside_the_templates(url):
    with pytest.raises(ValueError):
        TemplateFetcher().fetch(url)


def test_fetcher_refuses_a_symlink_out(tmp_path):
    root = tmp_path / "templates"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("hemmeligt")
    (root / "link.css").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ValueError):
        TemplateFetcher(root).fetch((root / "link.css").as_uri())


def test_fetcher_serves_bundled_files():
    response = TemplateFetcher().fetch(f"{TEMPLATES_DIR.as_uri()}/fonts/LiberationSans-Regular.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"


EXTREMES = {
    "emoji and rtl": dict(answers=(Answer(1, "Hvad med 😀 og עברית and العربية?", ("Svar med 👍 og مرحبا.",)),)),
    "long answer": dict(answers=(Answer(1, "Lang?", tuple(f"Afsnit {i}. " + "ord " * 1000 for i in range(10))),)),
    "200 questions": dict(answers=tuple(Answer(n, f"Spørgsmål nummer {n}?", (f"Svar {n}.",)) for n in range(1, 201))),
    "empty answers": dict(answers=(Answer(1, "Ubesvaret?", ()), Answer(2, "Også?", ()))),
    "no signatory, no case numbers": dict(signatory_name=None, signatory_title=None, case_numbers=()),
    "no logo, no address": dict(),
}


@pytest.mark.parametrize("case", sorted(EXTREMES))
@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_extreme_content_renders_both_formats(case, kind, tmp_path):
    ctx = sample_context(kind=kind, **EXTREMES[case])
    if case == "no logo, no address":
        ctx = replace(ctx, letterhead=replace(ctx.letterhead, logo=None, street=None, postcode=None, city=None, phone=None))
    pdf_path = tmp_path / "x.pdf"
    pdf_path.write_bytes(pdf.render(ctx))
    text = pdftotext(pdf_path)
    flat = squash(text)
    for a in ctx.answers[:3] + ctx.answers[-1:]:
        # Word by word: right-to-left runs come out of pdftotext in visual order.
        assert all(squash(word.strip("?.")) in flat for word in a.question.split()), a.question
    docx_path = tmp_path / "x.docx"
    docx_path.write_bytes(docx.render(ctx))
    assert Document(docx_path).paragraphs


def test_extreme_docx_opens_in_libreoffice(tmp_path):
    files = []
    for i, case in enumerate(sorted(EXTREMES)):
        path = tmp_path / f"case{i}.docx"
        path.write_bytes(docx.render(sample_context(**EXTREMES[case])))
        files.append(path)
    for converted in docx_to_pdf(files, tmp_path):
        assert "Side 1 af" in pdftotext(converted)


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_figures_table_in_both_formats(kind, tmp_path):
    from app.library.statfill import Table

    t = Table(header=("", "december 2009", "november 2013"), rows=(("Kontanthjælpssager", "4.579", "5.555"),),
              source="Kilde: jobindsats.dk")
    ctx = sample_context(kind=kind, answers=(Answer(1, "Hvor mange?", ("Tallene er:", t, "Derfor.")),))
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf.render(ctx))
    text = squash(pdftotext(path))
    assert squash("Kontanthjælpssager 4.579 5.555") in text and squash("Kilde: jobindsats.dk") in text
    doc = Document(__import__("io").BytesIO(docx.render(ctx)))
    figures = doc.tables[-1]
    assert [c.text for c in figures.rows[1].cells] == ["Kontanthjælpssager", "4.579", "5.555"]
    assert figures.style.name == "Table Grid"
