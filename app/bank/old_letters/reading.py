"""Earlier answer letters as lines of text: DOCX and text-based PDF, read in memory within limits.

A file from a shared drive may be anything. Every size is checked before anything is inflated
(entries, declared sizes, compression ratio), reads are capped whatever the header claims,
nothing is written to disk, XML with a DOCTYPE is refused (no entities, no XXE), and any
unreadable file is an `UnreadableFile` (422) naming the file and what is wrong with it.
"""

import io
import logging
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from app.errors import Invalid

MAX_ENTRIES = 2_000  # a long real letter has about 30
MAX_ENTRY_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 60 * 1024 * 1024
MAX_RATIO = 100  # XML compresses about 5-15 times; bombs do thousands
MAX_PDF_PAGES = 200
# The work a file may ask for, counted before it is done: a page's content stream is counted each
# time a page uses it (ten pages sharing one 1 MB stream are 10 MB to read), and a DOCX's elements
# and paragraphs are counted in one pass that keeps nothing. A long real letter has a few hundred
# paragraphs and some tens of kilobytes of content per page.
MAX_PDF_CONTENT_BYTES = 4 * 1024 * 1024
MAX_DOCX_PARAGRAPHS = 20_000
MAX_DOCX_ELEMENTS = 1_000_000
MAX_TEXT_CHARS = 2_000_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's encrypted (password) container, and old .doc
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class UnreadableFile(Invalid):
    """A file that cannot be read as an answer letter; the message says why, in Danish."""

    def __init__(self, name: str, why: str):
        super().__init__(f"{name}: {why}")

    @classmethod
    def with_detail(cls, detail: str) -> "UnreadableFile":
        """The error again from its message (as it comes back from the reader process)."""
        name, _, why = detail.partition(": ")
        return cls(name, why)


@dataclass(frozen=True)
class Line:
    """One paragraph of the letter: its text, and whether it was a list item or a heading."""

    text: str
    listed: bool = False
    heading: bool = False


def read(name: str, data: bytes) -> list[Line]:
    """The lines of a DOCX or PDF file, by its content (not its name)."""
    if data.startswith(b"%PDF-"):
        return _pdf(name, data)
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(name, "filen er beskyttet med adgangskode eller er et gammelt Word-format (.doc); "
                                   "gem den som .docx uden adgangskode")
    if data.startswith(b"PK"):
        return _docx(name, data)
    raise UnreadableFile(name, "filen er hverken DOCX eller PDF")


def check_attachment(name: str, data: bytes) -> str:
    """The kind ("pdf", "docx" or "xlsx") of an attachment, by its content, read as far as an import reads it
    (a scanned PDF without text is a fine attachment); anything else is an UnreadableFile."""
    if data.startswith(b"%PDF-"):
        _pdf(name, data, require_text=False)
        return "pdf"
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(name, "filen er beskyttet med adgangskode eller i et gammelt Office-format; "
                                   "gem den som .docx, .xlsx eller PDF uden adgangskode")
    if data.startswith(b"PK"):
        names = set(_checked_zip(name, data).namelist())
        if "word/document.xml" in names:
            _docx(name, data)
            return "docx"
        if "xl/workbook.xml" in names:
            _xlsx(name, data)
            return "xlsx"
    raise UnreadableFile(name, "filen er hverken PDF, DOCX eller XLSX")


def _xlsx(name: str, data: bytes) -> None:
    """A workbook's parts parse as XML within the limits (no DOCTYPE, no entities)."""
    archive = _checked_zip(name, data)
    for member in archive.namelist():
        if member.endswith(".xml"):
            xml = _entry(name, archive, member)
            try:
                root = etree.fromstring(xml, etree.XMLParser(**_XML_OPTIONS))
            except etree.XMLSyntaxError as exc:
                raise UnreadableFile(name, f"regnearkets XML kan ikke læses ({exc})") from None
            if root.getroottree().docinfo.doctype:
                raise UnreadableFile(name, "regnearkets XML har en DOCTYPE, hvilket Excel aldrig skriver")


def _checked_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise UnreadableFile(name, f"filen er ikke et gyldigt DOCX-arkiv ({exc})") from None
    if not entries:
        raise UnreadableFile(name, "arkivet er tomt")
    if len(entries) > MAX_ENTRIES:
        raise UnreadableFile(name, f"arkivet har {len(entries)} filer (højst {MAX_ENTRIES})")
    total = 0
    for entry in entries:
        if entry.filename.startswith(("/", "\\")) or ".." in entry.filename.replace("\\", "/").split("/"):
            raise UnreadableFile(name, f"arkivet indeholder et ugyldigt filnavn: {entry.filename[:100]!r}")
        if entry.flag_bits & 0x1:
            raise UnreadableFile(name, "arkivet er krypteret")
        if entry.file_size > MAX_ENTRY_BYTES:
            raise UnreadableFile(name, f"{entry.filename[:100]} fylder {entry.file_size} byte udpakket (højst {MAX_ENTRY_BYTES})")
        if entry.file_size > 1024 * 1024 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise UnreadableFile(name, f"{entry.filename[:100]} er pakket mistænkeligt hårdt (over {MAX_RATIO}:1)")
        total += entry.file_size
    if total > MAX_TOTAL_BYTES:
        raise UnreadableFile(name, f"arkivet fylder {total} byte udpakket (højst {MAX_TOTAL_BYTES})")
    return archive


def _entry(name: str, archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise UnreadableFile(name, f"arkivet er ikke et Word-dokument (mangler {member})") from None
    try:
        with archive.open(info) as stream:
            # Read no more than declared, whatever the stream would give: a lying header stops here.
            content = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise UnreadableFile(name, f"arkivet er beskadiget ({exc})") from None
    if len(content) > info.file_size:
        raise UnreadableFile(name, f"{member} er større end arkivet angiver")
    return content


_XML_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
                                 "dtd_validation": False}


def _count_docx(name: str, xml: bytes) -> None:
    """Refuse a document of more elements or paragraphs than a letter has, before building its tree."""
    elements = paragraphs = 0
    try:
        for _event, element in etree.iterparse(io.BytesIO(xml), events=("end",), **_XML_OPTIONS):
            elements += 1
            paragraphs += element.tag == f"{W}p"
            if elements > MAX_DOCX_ELEMENTS or paragraphs > MAX_DOCX_PARAGRAPHS:
                raise UnreadableFile(name, f"dokumentet har over {MAX_DOCX_PARAGRAPHS:,} afsnit eller {MAX_DOCX_ELEMENTS:,} "
                                           "elementer; et svarbrev har få hundrede".replace(",", "."))
            element.clear()  # counted and dropped: the pass keeps nothing
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(name, f"dokumentets XML kan ikke læses ({exc})") from None


def _docx(name: str, data: bytes) -> list[Line]:
    archive = _checked_zip(name, data)
    xml = _entry(name, archive, "word/document.xml")
    _count_docx(name, xml)
    parser = etree.XMLParser(**_XML_OPTIONS)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(name, f"dokumentets XML kan ikke læses ({exc})") from None
    if root.getroottree().docinfo.doctype:
        raise UnreadableFile(name, "dokumentets XML har en DOCTYPE, hvilket Word aldrig skriver")
    lines = []
    for p in root.iter(f"{W}p"):
        parts = []
        for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
            if node.tag == f"{W}t":
                parts.append(node.text or "")
            else:
                parts.append(" " if node.tag == f"{W}tab" else "\n")
        style = p.find(f"{W}pPr/{W}pStyle")
        style_name = (style.get(f"{W}val") or "") if style is not None else ""
        listed = p.find(f"{W}pPr/{W}numPr") is not None or "list" in style_name.lower()
        heading = style_name.lower().startswith(("heading", "overskrift", "title"))
        for text in "".join(parts).split("\n"):
            lines.append(Line(text=text.strip(), listed=listed, heading=heading))
    return _capped(name, lines)


def _pdf(name: str, data: bytes, *, require_text: bool = True) -> list[Line]:
    from pypdf import PdfReader  # only when a PDF comes
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd files are ours to report
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnreadableFile(name, "PDF-filen er krypteret eller beskyttet med adgangskode")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnreadableFile(name, f"PDF-filen har {len(reader.pages)} sider (højst {MAX_PDF_PAGES})")
        content = sum(_content_bytes(page) for page in reader.pages)
        if content > MAX_PDF_CONTENT_BYTES:
            raise UnreadableFile(name, f"PDF-filens sider har {content:,} byte indhold at læse (højst "
                                       f"{MAX_PDF_CONTENT_BYTES:,}); gem den igen som PDF fra Word".replace(",", "."))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except UnreadableFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            zlib.error, OSError, AssertionError) as exc:
        # pypdf reports a malformed file in many ways; each means the same to the user.
        raise UnreadableFile(name, f"PDF-filen kan ikke læses ({exc.__class__.__name__})") from None
    if require_text and not text.strip():
        raise UnreadableFile(name, "PDF-filen har ingen tekst (den er måske scannet); brug en DOCX eller en PDF med tekst")
    return _capped(name, [Line(text=t.strip()) for t in text.split("\n")])


def _content_bytes(page) -> int:
    """The decoded size of a page's content streams, however many pages share them."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    return sum(len(s.get_object().get_data()) for s in streams)


def _capped(name: str, lines: list[Line]) -> list[Line]:
    if sum(len(line.text) for line in lines) > MAX_TEXT_CHARS:
        raise UnreadableFile(name, f"dokumentet har over {MAX_TEXT_CHARS} tegn tekst")
    return lines
