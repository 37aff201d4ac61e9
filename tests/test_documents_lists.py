"""Issue 21, finding 2: lists and emphasis staff type are real lists and real bold in both formats."""

import io
from pathlib import Path

import subprocess
import pikepdf
import pytest
from docx import Document

from sqlmodel import Session, select

from app.bank.service import import_path
from app.db import make_engine
from app.migrate import upgrade
from app.models import Letter
from app.rendering import context, docx, pdf, richtext
from app.rendering.context import Answer, Table
from tests.conftest import BANK
from tests.documents import docx_to_pdf, need, pdftotext, sample_context

TYPED = ("Vi har tre forhold:\n- lange sager\n- **mange** sager\n  - under 5\n- *få* ressourcer\nDet var det.",
         "1. Første punkt\n1.1 Under et\n1.2 Under to\n2. Andet punkt",
         "Se [vejledningen](https://www.kk.dk/vejledning).")
FIGURES = Table(header=("", "2013"), rows=(("Sager", "5"),), source="Kilde: Jobindsats", used=())


def _ctx(kind: str):
    return sample_context(kind=kind, answers=(Answer(1, "Hvad?", TYPED), Answer(2, "Og?", ("- a", "- b", FIGURES))))


def _structure(pdf_path: Path) -> list[tuple[str, list[str]]]:
    """Every structure element reachable from the root, with the types of its child elements, in order."""
    out = []
    with pikepdf.open(pdf_path) as doc:
        stack = [doc.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            kids = [kids] if isinstance(kids, pikepdf.Dictionary) else list(kids or [])
            elements = [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            if "/S" in node:
                out.append((str(node.S)[1:], [str(k.S)[1:] for k in elements]))
            stack.extend(reversed(elements))
    return out


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_typed_bullets_numbers_and_emphasis_are_tagged_lists_and_bold_in_the_pdf(kind, tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf.render(_ctx(kind)))
    text = pdftotext(path)
    # Each item on its own line, marked by the list, not by what was typed.
    laid_out = subprocess.run([need("pdftotext", "poppler-utils"), "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True, timeout=60).stdout.replace("\u00a0", " ")
    lines = [" ".join(line.replace("•", "• ").split()) for line in laid_out.splitlines()]
    for line in ("• lange sager", "• mange sager", "– under 5", "• få ressourcer", "1. Første punkt", "1.1 Under et",
                 "1.2 Under to", "2. Andet punkt", "• a", "• b"):
        assert line in lines, (line, lines)
    assert "**" not in text and "*få*" not in text and "- lange" not in text
    assert "vejledningen (https://www.kk.dk/vejledning)" in text
    lists = [kids for tag, kids in _structure(path) if tag == "L"]
    # The three bullets with the sub-list under the second, the numbers with theirs under the first (a PDF nests a
    # list after its item), and "a", "b" typed as paragraphs apart: one list.
    for shape in (["LI", "LI", "L", "LI"], ["LI"], ["LI", "L", "LI"], ["LI", "LI"]):
        assert shape in lists, (shape, lists)
    items = [kids for tag, kids in _structure(path) if tag == "LI"]
    assert all("LBody" in kids for kids in items), items
    assert "<strong>mange</strong>" in pdf.html(_ctx(kind)) and "<em>få</em>" in pdf.html(_ctx(kind))
    # Only "få" is italic: the italic face is embedded because of it.
    fonts = subprocess.run([need("pdffonts", "poppler-utils"), str(path)], capture_output=True, text=True,
                           check=True, timeout=60).stdout
    assert "Liberation-Sans-Italic" in fonts, fonts


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_typed_lists_are_list_styles_with_their_own_numbering_in_the_docx(kind, tmp_path):
    data = docx.render(_ctx(kind))
    doc = Document(io.BytesIO(data))
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    for item in [("List Bullet", "lange sager"), ("List Bullet", "mange sager"), ("List Bullet 2", "under 5"),
                 ("List Bullet", "få ressourcer"), ("List Number", "Første punkt"), ("List Number 2", "Under et"),
                 ("List Number 2", "Under to"), ("List Number", "Andet punkt"), ("List Bullet", "a"),
                 ("List Bullet", "b")]:
        assert item in styled, item
    assert not [t for _, t in styled if t.startswith(("- ", "* ", "1. F", "1.1 "))]
    bold = [r for p in doc.paragraphs for r in p.runs if r.text == "mange"]
    assert bold and bold[0].style.name == "Strong"
    # LibreOffice numbers the list from 1 (not on from the questions' list) and sets "1.1" under "1.".
    path = tmp_path / "letter.docx"
    path.write_bytes(data)
    text = pdftotext(docx_to_pdf([path], tmp_path)[0])
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for line in ("1. Første punkt", "1.1 Under et", "1.2 Under to", "2. Andet punkt"):
        assert line in lines, (line, lines)


def test_the_structure_is_read_from_the_text_and_costs_little_for_hostile_text():
    assert richtext.parse("1. januar 2024 trådte loven i kraft.") == (richtext.Para((richtext.Run(
        "1. januar 2024 trådte loven i kraft."),)),)  # one numbered line is a date, not a list
    assert richtext.runs("a ** b") == (richtext.Run("a ** b"),)
    assert richtext.runs("2 * 3 * 4") == (richtext.Run("2 * 3 * 4"),)  # arithmetic is not italic
    blocks = richtext.parse("- " + "**" * 50_000)
    assert isinstance(blocks[0], richtext.ListBlock)  # an unclosed "**" run stays text, each scan bounded


def test_the_aalborg_notats_answer_on_long_cases_is_the_three_bullets_of_the_original(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, BANK))
    with Session(engine) as session:
        notat = session.exec(select(Letter).where(Letter.kind == "notat")).one()
        ctx = context.build(session, letter_id=notat.id)
    engine.dispose()
    answer = next(a for a in ctx.answers if "LANGE sager" in a.question)
    blocks = richtext.merged(answer.paragraphs)
    assert len(blocks) == 1 and isinstance(blocks[0], richtext.ListBlock) and len(blocks[0].items) == 3
    first = richtext.plain(blocks[0].items[0].runs)
    assert first.startswith("Jobcentrets eget sagsbehandlingssystem viser, at der i februar 2014 var 950 sager")
