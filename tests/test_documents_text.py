"""Issue 21: the text of a rendered document is what was written — read back with poppler, page by page — and
nothing is drawn outside the page, whatever is written."""

import re
from dataclasses import replace
import subprocess
from pathlib import Path

import pytest

from app.rendering import pdf
from app.rendering.context import Answer, as_quoted
from tests.documents import need, pdftotext, sample_context, squash

LONG_TITLE = ("Svar på spørgsmål om ventetider på lægekonsulentvurderinger i sygedagpengesager og om "
              "forvaltningens plan for at nedbringe dem i løbet af de kommende budgetår, herunder økonomien")
A4_WIDTH_PT, RIGHT_MARGIN_PT = 595.28, 22 / 25.4 * 72


def _render(tmp_path: Path, **overrides) -> Path:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf.render(sample_context(**overrides)))
    return path


def _poppler(pdf_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = need("pdftotext", "poppler-utils")
    return subprocess.run([exe, *args, str(pdf_path), "-"], capture_output=True, text=True, check=True, timeout=60)


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_an_ellipsis_in_the_text_extracts_as_itself_and_the_header_holds_only_what_it_shows(kind, tmp_path):
    """Finding 1: the header's title was clipped by CSS; its "…" mapped to the hidden words, everywhere."""
    written = "Vi vender tilbage … senere."
    # The "…" first written after page 1, where the header's clipped title has claimed the glyph already.
    path = _render(tmp_path, kind=kind, title=LONG_TITLE, answers=(
        Answer(1, "Spørgsmål 1?", ("Ord " * 900,)), *(Answer(n, f"Spørgsmål {n}?", (written, "Ord " * 400)) for n in (2, 3))))
    read = _poppler(path, "-raw")
    assert "Illegal entry" not in read.stderr, read.stderr  # poppler reads the font's ToUnicode map
    pages = read.stdout.split("\f")[:-1]
    assert len(pages) >= 2
    for page in pages:
        (header,) = [line for line in page.splitlines() if line.startswith("2024-0001 · ")]
        assert re.fullmatch(r"2024-0001 · Svar på spørgsmål om ventetider [^…]*… Side \d af \d", header.strip()), header
    # The end of the title is in the text only where it is on the page: the notat's heading.
    assert read.stdout.count("økonomien") == (1 if kind == "notat" else 0)
    assert read.stdout.count(written) == 2


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_a_300_character_word_and_a_long_url_wrap_inside_the_page(kind, tmp_path):
    """Finding 4: a long word was drawn 188 characters beyond the page edge."""
    word = "Lægekonsulentvurderingsventetidsopgørelse" * 7 + "x" * 13
    url = "https://www.kk.dk/" + "/".join(f"afsnit-{n}-om-ventetider-og-sagsbehandling" for n in range(8))
    path = _render(tmp_path, kind=kind, answers=(Answer(1, "Hvad?", (f"Se {word} og {url} for mere.",)),))
    boxes = _poppler(path, "-bbox").stdout
    right_edge = A4_WIDTH_PT - RIGHT_MARGIN_PT + 1
    beyond = [(m[2], float(m[1])) for m in re.finditer(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
              if float(m[1]) > right_edge]
    assert beyond == []
    flat = squash(pdftotext(path))
    assert squash(word) in flat and squash(url) in flat  # wrapped, not cut: every character is there


def _figures(rows: int):
    from app.library.statfill import Table

    return Table(header=("", "december 2009", "november 2013"),
                 rows=tuple((f"Række {n}", f"{n}.009", f"{n}.013") for n in range(1, rows + 1)), source="Kilde: jobindsats.dk")


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_a_40_row_table_starts_where_it_is_breaks_between_rows_and_repeats_its_header(kind, tmp_path):
    """Finding 3: the table jumped to the next page, leaving 60 % of a page empty; rows must never split."""
    path = _render(tmp_path, kind=kind, answers=(Answer(1, "Hvor mange?", ("Tallene er:", _figures(40), "Derfor.")),))
    pages = pdftotext(path).split("\f")[:-1]
    on = {n: next(i for i, page in enumerate(pages) if f"Række {n} " in page) for n in range(1, 41)}
    assert on[1] == 0  # on page 1, right after "Tallene er:"
    assert on[40] > 0  # and so it goes on over the page
    for n, i in on.items():  # each row's label and figures on one line of one page
        assert f"Række {n} {n}.009 {n}.013" in pages[i], n
    for i in sorted(set(on.values())):
        assert "december 2009 november 2013" in pages[i], i  # the header on every page the table reaches


def test_the_docx_table_repeats_its_header_keeps_rows_whole_and_aligns_figures_right():
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    from app.rendering import docx

    doc = Document(io.BytesIO(docx.render(sample_context(answers=(Answer(1, "Hvor mange?", (_figures(40),)),)))))
    table = doc.tables[-1]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert [c.paragraphs[0].alignment for c in table.rows[5].cells] == [None, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]


def test_the_notat_head_shows_the_case_number_only_and_the_initials_with_the_address():
    """Finding 7: "Sagsnr." ran the dokumentnummer and the eDoc number together; "Init." sat in the left column."""
    import io

    from docx import Document

    from app.rendering import docx
    from app.rendering.context import CaseNumber

    ctx = sample_context(kind="notat", initials="ME", case_numbers=(
        CaseNumber("F2", "sagsnummer", "2014-13931"), CaseNumber("F2", "dokumentnummer", "3199008"),
        CaseNumber("eDoc", "sagsnummer i eDoc", "2023-0211523")))
    assert ctx.notat_head[3][:2] == ("Sagsnr.", "2014-13931") and ctx.notat_head[4] == ("", "", "Init.: ME")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notat.pdf"
        path.write_bytes(pdf.render(ctx))
        layout = _poppler(path, "-layout").stdout
    (case_line,) = [line for line in layout.splitlines() if "Sagsnr." in line]
    assert "2014-13931" in case_line and "3199008" not in layout.split("Notat", 2)[-1].split("Svar")[0]
    (initials,) = [line for line in layout.splitlines() if "Init.: ME" in line]
    assert initials.index("Init.") > case_line.index("2014-13931") + 20  # on the right, with the address
    table = Document(io.BytesIO(docx.render(ctx))).tables[0]
    assert [c.text for c in table.rows[3].cells][:2] == ["Sagsnr.", "2014-13931"]
    assert [c.text for c in table.rows[4].cells] == ["", "", "Init.: ME"]


def test_no_question_of_a_notat_stands_alone_at_the_foot_of_a_page(tmp_path):
    """Finding 5: the notat's last question sat at the bottom of page 2, its answer on page 3."""
    alone = []
    for filler in range(0, 600, 20):  # move the questions down the pages, a line or so at a time
        ctx = sample_context(kind="notat", answers=(
            Answer(1, "Første spørgsmål?", ("Ord " * (500 + filler),)),
            *(Answer(n, f"Spørgsmål nummer {n} om ventetiderne?", ("Svaret er kort. " * 30,)) for n in range(2, 6))))
        path = tmp_path / f"n{filler}.pdf"
        path.write_bytes(pdf.render(ctx))
        for page in _poppler(path, "-layout").stdout.split("\f")[:-1]:
            lines = [line.strip(" •") for line in page.splitlines() if line.strip() and "2024-0001 · " not in line]
            if lines and lines[-1].startswith("Spørgsmål nummer"):
                alone.append((filler, lines[-1]))
    assert alone == []


def _words(pdf_path: Path, page: int) -> list[tuple[float, float, str]]:
    """The words of the page's body (below the running header): left and right edge, text."""
    boxes = _poppler(pdf_path, "-bbox", "-f", str(page), "-l", str(page)).stdout
    top = 30 / 25.4 * 72  # the top margin: the running header is above it
    return [(float(m[1]), float(m[3]), m[4]) for m in
            re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
            if float(m[2]) > top]


def test_a_brev_keeps_clear_of_page_ones_column_and_uses_the_full_width_after_it(tmp_path):
    """Finding 6: from page 2 on the body kept page 1's narrow column."""
    path = _render(tmp_path, answers=(Answer(1, "Hvad?", tuple("Forvaltningen svarer sådan her. " * 12 for _ in range(14))),))
    column = (25 + 163 - 56) / 25.4 * 72  # where page 1's column of date, case and sender begins (pt)
    first = [w for w in _words(path, 1) if w[0] < column - 5]  # the body: what starts left of the column
    assert first and max(x_max for _, x_max, _ in first) <= column + 1
    later = _words(path, 2)
    assert max(x_max for _, x_max, _ in later) > column + 60  # the full text width


def test_a_brevs_later_pages_name_the_sender_and_its_quotes_are_one_style(tmp_path):
    """Finding 8: the original's pages 2 on carry "Direktionen / …forvaltningen"; a question pasted with its own
    quotes came out “"…'…'?"”."""
    import io

    from docx import Document

    from app.rendering import docx

    question = "\"Hvordan forholder forvaltningen sig til borgere, der er erklæret 'ikke funktionsdygtig'?\""
    ctx = sample_context(answers=(Answer(1, question, tuple("Forvaltningen svarer sådan her. " * 12 for _ in range(14))),))
    ctx = replace(ctx, answers=tuple(replace(a, question=as_quoted(a.question)) for a in ctx.answers))
    path = tmp_path / "brev.pdf"
    path.write_bytes(pdf.render(ctx))
    pages = pdftotext(path).split("\f")[:-1]
    assert len(pages) >= 2 and "Direktionen / Testforvaltningen" not in pages[0]
    assert all("Direktionen / Testforvaltningen" in page for page in pages[1:])
    assert "“Hvordan forholder forvaltningen sig til borgere, der er erklæret ‘ikke funktionsdygtig’?”" in squash_lines(pages[0])
    assert '"' not in pages[0] and "'" not in pages[0]
    section = Document(io.BytesIO(docx.render(ctx))).sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == "Direktionen / Testforvaltningen"
    assert "Direktionen" not in "".join(p.text for p in section.first_page_header.paragraphs)
    notat = Document(io.BytesIO(docx.render(replace(ctx, kind="notat")))).sections[0]
    assert not notat.different_first_page_header_footer  # a notat has no letterhead column to move


def squash_lines(text: str) -> str:
    """The text with its line breaks made spaces (a quoted question wraps over lines)."""
    return " ".join(text.split())


def _lo_words(tmp_path: Path, kind: str) -> list[tuple[int, float, float, str]]:
    """The words of the DOCX as LibreOffice lays them out: page, x, y (points) and text."""
    from app.rendering import docx
    from tests.documents import docx_to_pdf

    path = tmp_path / f"{kind}.docx"
    path.write_bytes(docx.render(sample_context(kind=kind)))
    converted = docx_to_pdf([path], tmp_path)[0]
    html = _poppler(converted, "-bbox").stdout
    words, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        elif m := re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', line):
            words.append((page, float(m[1]), float(m[2]), m[3]))
    return words


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_in_libreoffice_the_header_is_one_line_with_the_page_number_at_the_right_edge(kind, tmp_path):
    """Finding 9: the template's centre tab put "Side 1 af 1" mid-page, on a line of its own when the title was long."""
    words = _lo_words(tmp_path, kind)
    side = next((x, y) for page, x, y, w in words if page == 1 and w == "Side")
    case = next((x, y) for page, x, y, w in words if page == 1 and w == "2024-0001")
    assert abs(side[1] - case[1]) < 2, (side, case)  # one line
    assert side[0] > A4_WIDTH_PT - RIGHT_MARGIN_PT - 70, side  # at the right edge, not mid-page


def test_in_libreoffice_the_notat_heads_labels_sit_on_their_values_line(tmp_path):
    words = _lo_words(tmp_path, "notat")
    for label, value in (("Til", "Anna"), ("Fra", "Bo"), ("Sagsnr.", "2024-0001")):
        ys = [y for page, x, y, w in words if page == 1 and w == label]
        values = [y for page, x, y, w in words if page == 1 and w == value]
        assert any(abs(a - b) < 1.5 for a in ys for b in values), (label, ys, values)


@pytest.mark.parametrize("kind", ["brev", "notat"])
def test_the_stress_letter_renders_whole_in_both_formats(kind, tmp_path):
    """Issue 21's "done when": a 40-row table, a 300-character word, nested lists, long names and title and a "…",
    in one letter — in the PDF and in the DOCX as LibreOffice lays it out, nothing clipped, split or misread."""
    from app.rendering import docx
    from tests.documents import docx_to_pdf

    word = "Lægekonsulentvurderingsventetidsopgørelse" * 7 + "x" * 13
    lists = "Tre forhold:\n- lange sager\n  - over **5 år**\n- få ressourcer\n1. Første\n1.1 Under første\n2. Anden"
    name = "Klaus Goldsmith Henriksen-Vestergaard Møller-Christiansen"
    ctx = replace(sample_context(kind=kind, title=LONG_TITLE, answers=(
        Answer(1, "Hvor mange sager er der, og hvor længe har de ventet?",
               ("Tallene er:", _figures(40), f"Se {word}.", lists, "Vi vender tilbage … senere.")),)),
        recipient_name=name, signatory_name="Anne-Marie Kristiansen-Bøgelund Sørensen")
    ours = tmp_path / "letter.pdf"
    ours.write_bytes(pdf.render(ctx))
    (tmp_path / "as-docx.docx").write_bytes(docx.render(ctx))
    office = docx_to_pdf([tmp_path / "as-docx.docx"], tmp_path)[0]  # as-docx.pdf, beside ours
    right_edge = A4_WIDTH_PT - RIGHT_MARGIN_PT + 1
    for path in (ours, office):
        read = _poppler(path, "-raw")
        assert "Illegal entry" not in read.stderr
        text = read.stdout
        flat = squash(text)
        for written in (word, name, "Vi vender tilbage … senere.", "lange sager", "over 5 år", "Under første"):
            assert squash(written) in flat, (path.name, written)
        # The marks typed are not drawn, and the "…" reads as itself (the header's own "…" cuts the title there).
        assert "**" not in text and " ".join(text.split()).count("Vi vender tilbage … senere.") == 1
        pages = text.split("\f")[:-1]
        for n in range(1, 41):  # each row's label and figures on one page
            assert any(f"Række {n} {n}.009 {n}.013" in " ".join(page.split()) for page in pages), (path.name, n)
        boxes = _poppler(path, "-bbox").stdout
        beyond = [m[2] for m in re.finditer(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                                             boxes) if float(m[1]) > right_edge]
        assert beyond == [], (path.name, beyond[:5])
