"""LetterContext → DOCX for people to keep editing in Word: real styles, lists, fields."""

import io
from datetime import datetime, timezone

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app import formatting
from app.rendering.context import LetterContext

TEXT_WIDTH = Mm(163)  # A4 less 25 mm left and 22 mm right margin


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice compute themselves."""
    run = paragraph.add_run()
    for tag, attrs, text in (("w:fldChar", {"w:fldCharType": "begin"}, None),
                             ("w:instrText", {"xml:space": "preserve"}, f" {instruction} "),
                             ("w:fldChar", {"w:fldCharType": "separate"}, None)):
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        if text:
            el.text = text
        run._r.append(el)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def _set_language(style, lang: str = "da-DK") -> None:
    rpr = style.element.get_or_add_rPr()
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), lang)


def _styles(doc, ctx: LetterContext) -> None:
    """Named styles carry all formatting, so editing in Word keeps the look."""
    colour = RGBColor.from_string(ctx.letterhead.colour.lstrip("#").upper())
    normal = doc.styles["Normal"]
    normal.font.name = ctx.letterhead.docx_font
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.line_spacing = 1.15
    _set_language(normal)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 11.5)):
        style = doc.styles[name]
        style.font.name = ctx.letterhead.docx_font
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = colour
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
    small = doc.styles.add_style("Besvar Kolonne", WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = normal
    small.font.size = Pt(8.5)
    small.paragraph_format.space_after = Pt(0)
    label = doc.styles.add_style("Besvar Kolonneoverskrift", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = small
    label.font.bold = True
    label.paragraph_format.space_before = Pt(6)
    question = doc.styles.add_style("Besvar Spørgsmål", WD_STYLE_TYPE.PARAGRAPH)
    question.base_style = doc.styles["List Bullet"]
    question.font.bold = True
    answer = doc.styles.add_style("Besvar Svar", WD_STYLE_TYPE.PARAGRAPH)
    answer.base_style = normal
    answer.paragraph_format.left_indent = Mm(6.3)
    header = doc.styles["Header"]
    header.font.size = Pt(8)
    header.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _page(doc, ctx: LetterContext) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(22)
    section.top_margin, section.bottom_margin = Mm(30), Mm(22)
    section.header_distance = Mm(12)
    p = section.header.paragraphs[0]
    p.style = doc.styles["Header"]
    p.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    if ctx.case_line:
        p.add_run(ctx.case_line).bold = True
        p.add_run(" · ")
    p.add_run(ctx.title)
    p.add_run("\tSide ")
    _field(p, "PAGE", "1")
    p.add_run(" af ")
    _field(p, "NUMPAGES", "1")


def _column(cell, ctx: LetterContext) -> None:
    """Page 1's right-hand column as a table cell, which survives editing."""
    cell.paragraphs[0].text = ctx.short_date
    cell.paragraphs[0].style = "Besvar Kolonneoverskrift"
    for c in ctx.case_numbers:
        cell.add_paragraph(c.label, style="Besvar Kolonneoverskrift")
        cell.add_paragraph(c.number, style="Besvar Kolonne")
    lh = ctx.letterhead
    lines = [lh.unit, lh.name, None, lh.street, f"{lh.postcode or ''} {lh.city or ''}".strip(), None]
    if lh.phone:
        lines += ["Telefon", lh.phone, None]
    lines += [lh.email, lh.web]
    cell.add_paragraph("", style="Besvar Kolonne")
    for line in lines:
        if line is not None:
            cell.add_paragraph(line, style="Besvar Kolonneoverskrift" if line in (lh.unit, "Telefon") else "Besvar Kolonne")
        else:
            cell.add_paragraph("", style="Besvar Kolonne")


def _widths(table, widths) -> None:
    """Column widths in both places Word and LibreOffice read them (grid and cells)."""
    for column, width in zip(table.columns, widths):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _brev(doc, ctx: LetterContext) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _widths(table, (Mm(113), Mm(50)))
    left, right = table.rows[0].cells
    left.paragraphs[0].text = "Til"
    left.paragraphs[0].style = "Besvar Kolonneoverskrift"
    recipient = ctx.recipient_name + (f", {ctx.recipient_title}" if ctx.recipient_title else "")
    left.add_paragraph(recipient)
    if ctx.recipient_email:
        left.add_paragraph(f"E-mail: {ctx.recipient_email}")
    _column(right, ctx)
    doc.add_paragraph()
    if ctx.salutation:
        doc.add_paragraph(ctx.salutation)
    if ctx.intro:
        doc.add_paragraph(ctx.intro)
    doc.add_paragraph("Spørgsmål", style="Heading 2")
    for a in ctx.answers:
        doc.add_paragraph(f"“{a.question}”", style="List Number")
    doc.add_paragraph(f"{formatting.genitive(ctx.letterhead.name)} svar", style="Heading 2")
    for a in ctx.answers:
        paragraphs = a.paragraphs or ("",)
        for i, text in enumerate(paragraphs):
            p = doc.add_paragraph()
            if i == 0:
                p.add_run(f"Ad {a.number}:").style = doc.styles["Strong"]
                p.add_run(" " if text else "")
            p.add_run(text)
    doc.add_paragraph("Med venlig hilsen").paragraph_format.space_before = Pt(18)
    if ctx.signatory_name:
        doc.add_paragraph(ctx.signatory_name).paragraph_format.space_before = Pt(18)
    if ctx.signatory_title:
        doc.add_paragraph(ctx.signatory_title)


def _notat(doc, ctx: LetterContext) -> None:
    doc.add_paragraph("Notat", style="Title")
    lh = ctx.letterhead
    rows = [
        ("Til", ctx.recipient_name or "", lh.unit or ""),
        ("Kopi til", ctx.copy_to or "", lh.name),
        ("Fra", ctx.signatory_name or ctx.sender, lh.street or ""),
        ("Sagsnr.", ", ".join(c.number for c in ctx.case_numbers), f"{lh.postcode or ''} {lh.city or ''}".strip()),
        ("Init.", ctx.initials or "", ""),
    ]
    table = doc.add_table(rows=len(rows), cols=3)
    table.autofit = False
    _widths(table, (Mm(25), Mm(78), Mm(60)))
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.paragraphs[0].text = value
            cell.paragraphs[0].style = "Besvar Kolonneoverskrift" if cell is row.cells[0] else "Besvar Kolonne"
    doc.add_paragraph()
    doc.add_paragraph(ctx.long_date)
    doc.add_paragraph(ctx.title, style="Heading 1")
    for a in ctx.answers:
        doc.add_paragraph(a.question, style="Besvar Spørgsmål")
        for text in a.paragraphs:
            doc.add_paragraph(text, style="Besvar Svar")


def render(ctx: LetterContext) -> bytes:
    """The document as DOCX bytes."""
    doc = Document()
    _styles(doc, ctx)
    _page(doc, ctx)
    (_brev if ctx.kind == "brev" else _notat)(doc, ctx)
    if ctx.approval:
        doc.add_paragraph(ctx.approval, style="Besvar Kolonne").paragraph_format.space_before = Pt(12)
    props = doc.core_properties
    props.title = ctx.title
    props.author = ctx.signatory_name or ctx.sender
    props.subject = f"{ctx.kind.capitalize()} fra {ctx.letterhead.municipality}, {ctx.sender}"
    props.keywords = ctx.kind
    props.language = "da-DK"
    # The letter's own date, not the render time, so the same letter gives the same file.
    stamp = datetime(ctx.date.year, ctx.date.month, ctx.date.day, tzinfo=timezone.utc)
    props.created = props.modified = stamp
    props.last_modified_by = "Besvar"
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
