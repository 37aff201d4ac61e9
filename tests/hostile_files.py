"""Small files that cost much to read (issue 17, item 15), made on demand: tests/corpus/uploads.json names them."""

import io
import random
import zipfile
import zlib

import pikepdf

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def shared_stream_pdf(pages: int = 10, stream_bytes: int = 1024 * 1024) -> bytes:
    """A PDF of a few KB whose pages all draw one 1 MB content stream: pages x 1 MB to parse."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    line = b"BT /F1 9 Tf 20 20 Td (Svar paa spoergsmaal) Tj ET\n"
    content = pdf.make_stream(zlib.compress(line * (stream_bytes // len(line)), 9))
    content.Filter = pikepdf.Name.FlateDecode
    for _ in range(pages):
        page = pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                                               Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                                               Contents=content))
        pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def empty_paragraphs_docx(paragraphs: int = 3_500_000) -> bytes:
    """A DOCX of under 1 MB holding millions of empty paragraphs, under the size and compression-ratio checks.

    Every twentieth paragraph carries a random revision id, as Word writes them, so that the XML
    compresses about 35:1 rather than the thousands to one that the ratio check refuses.
    """
    rng = random.Random(17)
    tagged = [f'<w:p w:rsidR="{rng.getrandbits(32):08X}"/>'.encode() for _ in range(paragraphs // 20)]
    body = b"".join(b"<w:p/>" * 19 + t for t in tagged)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'.encode()
           + body + b"</w:body></w:document>")
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
             b'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
             b'main+xml"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", xml)
    return out.getvalue()


MAKERS = {"shared_stream_pdf": shared_stream_pdf, "empty_paragraphs_docx": empty_paragraphs_docx}
