"""A forvaltning's own logo, uploaded by its admin: a PNG (both formats; Word cannot place SVG) and, if wanted, an
SVG (the PDF, sharp at any size). Each is checked before it is kept — what it claims to be, and small to draw: a
header that promises a 100,000-pixel-wide image, or an SVG with entities, scripts or outside references, is
refused before any renderer sees it."""

import struct
import zlib

from lxml import etree

from app.errors import Invalid

MAX_PNG_BYTES = 512 * 1024
MAX_SVG_BYTES = 200 * 1024
MAX_SIDE = 2000  # pixels: a 13 mm logo at 600 dpi is about 310 high
MAX_PIXELS = 1_000_000
# Every letter draws the logo: a municipal arms has a few hundred shapes; 500 add about as much to a render as
# the rest of a one-page brev (bench/logo_check.py) — 2,000 added four times that — and a PNG has no such cost.
MAX_SVG_ELEMENTS = 500
_PNG = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN = {"script", "foreignObject", "image", "iframe", "embed", "object", "audio", "video", "animate", "set",
              "animateTransform", "animateMotion"}


def check_png(data: bytes) -> bytes:
    """The PNG as it is, if it is one a letterhead can carry; else a 422 saying why.

    Every chunk's checksum is checked and the pixels inflated to exactly the size the header gives (bounded by it):
    a file damaged past its header is refused now, not drawn half in every letter (WeasyPrint reads truncated
    images leniently)."""
    if len(data) > MAX_PNG_BYTES:
        raise Invalid(f"the PNG is {len(data):,} bytes; at most {MAX_PNG_BYTES:,}", field="png")
    if not data.startswith(_PNG) or data[12:16] != b"IHDR" or len(data) < 33:
        raise Invalid("not a PNG file", field="png")
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE) or width * height > MAX_PIXELS:
        raise Invalid(f"the PNG is {width} × {height} pixels; at most {MAX_SIDE} on a side", field="png")
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or depth not in (1, 2, 4, 8, 16) or interlace not in (0, 1):
        raise Invalid("the PNG's header is damaged", field="png")
    pixels, at, ended = [], 8, False
    while at + 12 <= len(data) and not ended:
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if len(body) != length or zlib.crc32(kind + body) != struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0]:
            raise Invalid("the PNG is damaged", field="png")
        if kind == b"IDAT":
            pixels.append(body)
        ended = kind == b"IEND"
        at += 12 + length
    if not ended or not pixels:
        raise Invalid("the PNG is damaged", field="png")
    expected = _inflated_size(width, height, channels * depth, interlace)
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(b"".join(pixels), expected + 1)
    except zlib.error as exc:
        raise Invalid("the PNG is damaged", field="png") from exc
    if len(inflated) != expected or inflater.unconsumed_tail:
        raise Invalid("the PNG is damaged", field="png")
    return data


def _inflated_size(width: int, height: int, bits: int, interlace: int) -> int:
    """The bytes of a PNG's filtered rows (a filter byte each), for the whole image or its seven Adam7 passes."""
    passes = [(0, 0, 1, 1)] if not interlace else [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
                                                   (1, 0, 2, 2), (0, 1, 1, 2)]
    total = 0
    for x0, y0, dx, dy in passes:
        w, h = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if w > 0 and h > 0:
            total += h * (1 + (w * bits + 7) // 8)
    return total


def check_svg(data: bytes) -> bytes:
    """The SVG as it is, if it draws only itself: no entities, scripts, event handlers or outside references."""
    if len(data) > MAX_SVG_BYTES:
        raise Invalid(f"the SVG is {len(data):,} bytes; at most {MAX_SVG_BYTES:,}", field="svg")
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        raise Invalid("the SVG declares entities or a DOCTYPE", field="svg")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Invalid("not an SVG file (the XML cannot be read)", field="svg") from exc
    if root.tag != f"{SVG_NS}svg":
        raise Invalid("not an SVG file", field="svg")
    for count, element in enumerate(root.iter(), start=1):
        if count > MAX_SVG_ELEMENTS:
            raise Invalid(f"the SVG has more than {MAX_SVG_ELEMENTS:,} elements", field="svg")
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in _FORBIDDEN:
            raise Invalid(f"the SVG holds <{local}>, which a letterhead may not", field="svg")
        for name, value in element.attrib.items():
            attribute = etree.QName(name).localname.lower()
            if attribute.startswith("on"):
                raise Invalid(f"the SVG has an event handler ({attribute})", field="svg")
            if attribute == "href" and not value.startswith("#"):
                raise Invalid("the SVG refers to something outside itself", field="svg")
            if "url(" in value and not value.replace(" ", "").startswith("url(#"):
                raise Invalid("the SVG refers to something outside itself", field="svg")
        if local == "style" and element.text and ("@import" in element.text or "url(" in element.text.replace("url(#", "")):
            raise Invalid("the SVG's style refers to something outside itself", field="svg")
    return data
