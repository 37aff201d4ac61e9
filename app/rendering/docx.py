"""LetterContext → DOCX for people to keep editing in Word: real styles, lists, fields."""

import io
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from app import formatting
from app.letters import kinds
from app.rendering import richtext
from app.rendering.context import LetterContext, Table
from app.rendering.templates import template_file

TEXT_WIDTH = Mm(163)  # A4 less 25 mm left and 22 mm right margin
LIST_INDENT = Mm(6.3)

# Numbering for the lists staff type (app.rendering.richtext): bullets, numbers, and numbers whose second level
# is typed "1.1". Each list gets its own instance of one of these, so every list starts at the number typed.
_BULLETS, _NUMBERS, _OUTLINE = 90, 91, 92
_LEVELS = {_BULLETS: (("bullet", "•"), ("bullet", "–")), _NUMBERS: (("decimal", "%1."), ("decimal", "%2.")),
           _OUTLINE: (("decimal", "%1."), ("decimal", "%1.%2"))}


class _Writer:
    """Adds paragraphs by style id: python-docx's lookup by name scans every style each time."""

    def __init__(self, doc):
        self.doc = doc
        self.ids = {style.name: style.style_id for style in doc.styles}

    def table(self, t: Table) -> None:
        """Figures as a Word table in the built-in 'Table Grid' style, and their source."""
        table = self.doc.add_table(rows=1 + len(t.rows), cols=len(t.header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        # As wide as its figures, as the PDF's: a label column and 25 mm per figure, not the page's width.
        table.autofit = False
        _widths(table, (Mm(55), *(Mm(25),) * (len(t.header) - 1)))
        for r, values in enumerate((t.header, *t.rows)):
            row = table.rows[r]
            # A row never splits across pages, and the header row repeats on each page the table reaches.
            properties = row._tr.get_or_add_trPr()
            properties.append(OxmlElement("w:cantSplit"))
            if r == 0:
                properties.append(OxmlElement("w:tblHeader"))
            for c, (cell, value) in enumerate(zip(row.cells, values, strict=False)):
                cell.paragraphs[0].text = value
                cell.paragraphs[0]._p.style = self.ids["Besvar Kolonneoverskrift" if r == 0 else "Besvar Kolonne"]
                if c > 0:  # the figures, right-aligned as in the PDF
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.para(t.source, "Besvar Kolonne")

    def answer(self, paragraphs: tuple["str | Table", ...], style: str | None = None, lead: str | None = None,
               indent=0) -> None:
        """An answer's paragraphs, lists and tables (app.rendering.richtext); `lead` opens the first paragraph,
        or stands alone before a list or a table."""
        blocks = richtext.merged(paragraphs) or [richtext.Para(())]
        for n, block in enumerate(blocks):
            first_lead = lead if n == 0 else None
            if isinstance(block, richtext.Para):
                self.runs(self.para(style=style), block.runs, first_lead)
                continue
            if first_lead:
                self.runs(self.para(style=style), (), first_lead)
            if isinstance(block, richtext.ListBlock):
                self.listing(block, indent)
            elif isinstance(block, Table):
                self.table(block)

    def runs(self, p, runs: tuple[richtext.Run, ...], lead: str | None = None) -> None:
        """Text as runs: bold and italic in Word's own character styles, as a typist there would set them."""
        if lead:
            p.add_run(lead)._r.style = self.ids["Strong"]
            if runs:
                p.add_run(" ")
        for r in runs:
            run = p.add_run(r.text)
            if r.bold and r.italic:
                run.bold = run.italic = True
            elif r.bold or r.italic:
                run._r.style = self.ids["Strong" if r.bold else "Emphasis"]

    def listing(self, listing: richtext.ListBlock, indent=0) -> None:
        """A list in the List Bullet / List Number styles (level 2: "… 2"), numbered from where it was typed."""
        sub = next((i.sublist for i in listing.items if i.sublist), None)
        outline = listing.ordered and sub is not None and sub.outline
        num = self._num(_OUTLINE if outline else _NUMBERS if listing.ordered else _BULLETS, listing.start)
        for item in listing.items:
            self._item(item, listing.ordered, num, 0, indent)
            if item.sublist is not None:
                # A second level of the same kind counts on in the list's own numbering ("1.1" after "1.");
                # one of the other kind is a list of its own, numbered from 1.
                inner = num if item.sublist.ordered == listing.ordered else self._num(
                    _NUMBERS if item.sublist.ordered else _BULLETS, 1)
                for child in item.sublist.items:
                    self._item(child, item.sublist.ordered, inner, 1, indent)

    def _num(self, abstract: int, start: int) -> int:
        num = self.doc.part.numbering_part.element.add_num(abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return num.numId

    def _item(self, item: richtext.Item, ordered: bool, num_id: int, level: int, indent) -> None:
        p = self.para(style=f"List {'Number' if ordered else 'Bullet'}{' 2' if level else ''}")
        numbering = p._p.get_or_add_pPr().get_or_add_numPr()
        numbering.get_or_add_ilvl().val = level
        numbering.get_or_add_numId().val = num_id
        # Direct indents: a list inside a notat's indented answer sits under its text, not at the margin.
        p.paragraph_format.left_indent = indent + LIST_INDENT * (level + 1)
        p.paragraph_format.first_line_indent = -LIST_INDENT
        p.paragraph_format.space_after = Pt(2)
        self.runs(p, item.runs)

    def para(self, text: str = "", style: str | None = None, container=None):
        p = (container or self.doc).add_paragraph(text)
        if style:
            p._p.style = self.ids[style]
        return p


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


def _styles(doc, font: str, colour_hex: str) -> None:
    """Named styles carry all formatting, so editing in Word keeps the look."""
    colour = RGBColor.from_string(colour_hex.lstrip("#").upper())
    normal = doc.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(8)
    # 1.26 times Liberation Sans's own line (1.149 em) is the PDF's line-height of 1.45 em, so pages break alike.
    normal.paragraph_format.line_spacing = 1.26
    _set_language(normal)
    # The template's theme fonts outrank a named font in Word and LibreOffice: without them the letterhead's
    # font is what the text and the headings are set in (issue 21).
    for fonts in doc.styles.element.xpath("//w:rFonts"):
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
    # The template's Title has a blue rule under it that the letterhead does not.
    for border in doc.styles["Title"].element.xpath("./w:pPr/w:pBdr"):
        border.getparent().remove(border)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 11.5)):
        style = doc.styles[name]
        style.font.name = font
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
    # The questions' numbered list spaced as the PDF's (0.6 em between items), not run together.
    numbered = doc.styles["List Number"]
    for spacing in numbered.element.xpath("./w:pPr/w:contextualSpacing"):
        spacing.getparent().remove(spacing)
    numbered.paragraph_format.space_after = Pt(6)
    question = doc.styles.add_style("Besvar Spørgsmål", WD_STYLE_TYPE.PARAGRAPH)
    question.base_style = doc.styles["List Bullet"]
    question.font.bold = True
    answer = doc.styles.add_style("Besvar Svar", WD_STYLE_TYPE.PARAGRAPH)
    answer.base_style = normal
    answer.paragraph_format.left_indent = Mm(6.3)
    approval = doc.styles.add_style("Besvar Godkendelse", WD_STYLE_TYPE.PARAGRAPH)
    approval.base_style = small
    approval.paragraph_format.space_before = Pt(12)
    closing = doc.styles.add_style("Besvar Hilsen", WD_STYLE_TYPE.PARAGRAPH)
    closing.base_style = normal
    closing.paragraph_format.space_before = Pt(18)
    header = doc.styles["Header"]
    # The template's centre and right tabs (at 82 and 165 mm) would put "Side 1 af 2" mid-line: one right tab at
    # the text's edge keeps the header on one line, as the PDF's.
    header.paragraph_format.tab_stops.clear_all()
    header.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    header.font.size = Pt(8)
    header.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _numbering(doc) -> None:
    """The abstract numberings the typed lists use (before the numbering part's first w:num, as the schema
    orders them)."""
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    for abstract, levels in _LEVELS.items():
        xml = f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract}"><w:multiLevelType w:val="multilevel"/>'
        for level, (fmt, text) in enumerate(levels):
            xml += (f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                    f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>')
        element = parse_xml(xml + "</w:abstractNum>")
        if first_num is not None:
            first_num.addprevious(element)
        else:
            numbering.append(element)


@lru_cache(maxsize=32)
def _template(font: str, colour_hex: str) -> bytes:
    """An empty A4 document with the letterhead's styles; built once per letterhead."""
    doc = Document()
    _styles(doc, font, colour_hex)
    _numbering(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(22)
    section.top_margin, section.bottom_margin = Mm(30), Mm(22)
    section.header_distance = Mm(12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _header(doc, ctx: LetterContext) -> None:
    """Case numbers and title, and 'Side X af Y' from fields, on every page; on pages 2 on of a brev, the
    sender above them (app.letters.kinds), as in the PDF."""
    section = doc.sections[0]
    later = kinds.of(ctx.kind).sender_on_later_pages and bool(ctx.organisation_line)
    section.different_first_page_header_footer = later
    for header, organisation in ((section.header, later), *(((section.first_page_header, False),) if later else ())):
        p = header.paragraphs[0]
        if organisation:
            p.style = doc.styles["Header"]
            p.add_run(ctx.organisation_line).bold = True
            p = header.add_paragraph()
        p.style = doc.styles["Header"]
        if ctx.case_line:
            p.add_run(ctx.case_line).bold = True
            p.add_run(" · ")
        p.add_run(ctx.header_title)
        p.add_run("\tSide ")
        _field(p, "PAGE", "1")
        p.add_run(" af ")
        _field(p, "NUMPAGES", "1")


def _column(w: _Writer, cell, ctx: LetterContext) -> None:
    """Page 1's right-hand column as a table cell, which survives editing."""
    cell.paragraphs[0].text = ctx.date_text
    cell.paragraphs[0]._p.style = w.ids["Besvar Kolonneoverskrift"]
    for c in ctx.case_numbers:
        w.para(c.label, "Besvar Kolonneoverskrift", cell)
        w.para(c.number, "Besvar Kolonne", cell)
    lh = ctx.letterhead
    lines = [lh.unit, lh.name, None, lh.street, f"{lh.postcode or ''} {lh.city or ''}".strip(), None]
    if lh.phone:
        lines += ["Telefon", lh.phone, None]
    lines += [lh.email, lh.web]
    w.para("", "Besvar Kolonne", cell)
    for line in lines:
        if line is not None:
            w.para(line, "Besvar Kolonneoverskrift" if line in (lh.unit, "Telefon") else "Besvar Kolonne", cell)
        else:
            w.para("", "Besvar Kolonne", cell)


def _widths(table, widths) -> None:
    """Column widths in both places Word and LibreOffice read them (grid and cells)."""
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
        for cell in column.cells:
            cell.width = width


# Where the PDF puts page 1's column (print.css: the page's 30 mm top margin + 21 mm; 188 mm less its 48 mm).
COLUMN_X, COLUMN_Y, COLUMN_WIDTH = Mm(140), Mm(51), Mm(48)
COLUMN_HEIGHT = Mm(297 - 51 - 24)  # to the bottom margin (22 mm), a little short of it so it never pushes a page


def _float(table, x, y, width) -> None:
    """A table Word and LibreOffice place at a fixed spot on the page, the text flowing beside it (tblpPr)."""
    twips = {name: str(round(value / 635)) for name, value in (("x", x), ("y", y))}  # EMU → twentieths of a point
    position = parse_xml(
        f'<w:tblpPr {nsdecls("w")} w:leftFromText="227" w:rightFromText="0" w:topFromText="0" w:bottomFromText="0"'
        f' w:vertAnchor="page" w:horzAnchor="page" w:tblpX="{twips["x"]}" w:tblpY="{twips["y"]}"/>')
    properties = table._tbl.tblPr
    style = properties.find(qn("w:tblStyle"))
    if style is not None:
        style.addnext(position)
    else:
        properties.insert(0, position)
    position.addnext(parse_xml(f'<w:tblOverlap {nsdecls("w")} w:val="never"/>'))
    table.autofit = False
    _widths(table, (width,))


def _address(w: _Writer, ctx: LetterContext) -> None:
    """Page 1's column where the PDF has it, the body beside it; then the recipient, the salutation, the intro."""
    column = w.doc.add_table(rows=1, cols=1)
    _float(column, COLUMN_X, COLUMN_Y, COLUMN_WIDTH)
    # Down to the foot of page 1, as the PDF's narrow first page: the text beside it all the way, full width
    # from page 2.
    column.rows[0].height, column.rows[0].height_rule = COLUMN_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
    _column(w, column.rows[0].cells[0], ctx)
    w.para().add_run("Til").bold = True
    w.para(ctx.recipient_name + (f", {ctx.recipient_title}" if ctx.recipient_title else ""))
    if ctx.recipient_email:
        w.para(f"E-mail: {ctx.recipient_email}")
    w.para()
    if ctx.salutation:
        w.para(ctx.salutation)
    if ctx.intro:
        w.para(ctx.intro)


def _closing(w: _Writer, ctx: LetterContext) -> None:
    w.para("Med venlig hilsen", "Besvar Hilsen")
    if ctx.signatory_name:
        w.para(ctx.signatory_name, "Besvar Hilsen")
    if ctx.signatory_title:
        w.para(ctx.signatory_title)


def _brev(w: _Writer, ctx: LetterContext) -> None:
    _address(w, ctx)
    w.para("Spørgsmål", "Heading 2")
    for a in ctx.answers:
        w.para(f"“{a.question}”", "List Number")
    w.para(f"{formatting.genitive(ctx.letterhead.name)} svar", "Heading 2")
    for a in ctx.answers:
        w.answer(a.paragraphs, lead=f"Ad {a.number}:")
    _closing(w, ctx)


def _notat(w: _Writer, ctx: LetterContext) -> None:
    doc = w.doc
    w.para("Notat", "Title")
    rows = ctx.notat_head
    table = doc.add_table(rows=len(rows), cols=3)
    table.autofit = False
    _widths(table, (Mm(25), Mm(78), Mm(60)))
    for row, values in zip(table.rows, rows, strict=False):
        for n, (cell, value) in enumerate(zip(row.cells, values, strict=False)):
            # One style for label and value (the label bold in it), so they sit on one baseline as in the PDF.
            cell.paragraphs[0]._p.style = w.ids["Besvar Kolonne"]
            cell.paragraphs[0].add_run(value).bold = n == 0 or None
            if n == 2:  # the sender's address, on the right as in the original
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    w.para()
    w.para(ctx.date_text)
    w.para(ctx.title, "Heading 1")
    for a in ctx.answers:
        w.para(a.question, "Besvar Spørgsmål")
        w.answer(a.paragraphs, "Besvar Svar", indent=LIST_INDENT)


def _interim(w: _Writer, ctx: LetterContext) -> None:
    """An interim reply: addressed as a brev, the questions it concerns, and when the answer will come."""
    _address(w, ctx)
    w.para("Dine spørgsmål", "Heading 2")
    for a in ctx.answers:
        w.para(f"“{a.question}”", "List Number")
    if ctx.expected_answer_on:
        w.para(f"Vi forventer at kunne svare dig senest {formatting.long_date(ctx.expected_answer_on)}.")
    _closing(w, ctx)


# The DOCX builders the registry of kinds (app.letters.kinds) names.
LAYOUTS: dict[str, Callable[[_Writer, LetterContext], None]] = {"brev": _brev, "notat": _notat, "interim": _interim}


def _property(value: str) -> str:
    return value if len(value) <= 255 else value[:254] + "…"


_APP_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            b'<Application>Besvar</Application><DocSecurity>0</DocSecurity></Properties>')


def _application(doc) -> None:
    """Besvar as the application that wrote it, and no page or word counts (python-docx's template says
    "Microsoft Macintosh Word", one page and no words; Word and LibreOffice count for themselves)."""
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = _APP_XML


def render(ctx: LetterContext) -> bytes:
    """The document as DOCX bytes."""
    doc = Document(io.BytesIO(_template(ctx.letterhead.docx_font, ctx.letterhead.colour)))
    _header(doc, ctx)
    w = _Writer(doc)
    logo = ctx.letterhead.logo_docx or (ctx.letterhead.logo if (ctx.letterhead.logo or "").endswith(".png") else None)
    source = io.BytesIO(ctx.letterhead.uploaded_png) if ctx.letterhead.uploaded_png else \
        str(path) if logo and (path := template_file(logo)) else None
    if source is not None:
        picture = w.para().add_run().add_picture(source, height=Mm(13))
        picture._inline.docPr.set("descr", ctx.letterhead.municipality)  # the logo's alt text, as in the PDF
    LAYOUTS[kinds.of(ctx.kind).layout](w, ctx)
    if ctx.approval:
        w.para(ctx.approval, "Besvar Godkendelse")
    props = doc.core_properties
    # Word's document properties hold at most 255 characters (python-docx refuses more); the full title is in the text.
    props.title = _property(ctx.title)
    props.author = _property(ctx.signatory_name or ctx.sender)
    props.subject = _property(f"{kinds.of(ctx.kind).label} fra {ctx.letterhead.municipality}, {ctx.sender}")
    props.keywords = ctx.kind
    props.language = "da-DK"
    # The letter's own date, not the render time, so the same letter gives the same file.
    stamp = datetime(ctx.date.year, ctx.date.month, ctx.date.day, tzinfo=UTC)
    props.created = props.modified = stamp
    props.last_modified_by = "Besvar"
    props.revision = 1
    _application(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
