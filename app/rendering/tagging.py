"""The PDF's structure as PDF/UA-1 asks, finished on WeasyPrint's objects before they are written (issue 21).

WeasyPrint 70 tags the body well but leaves four things a screen reader or a checker minds: running headers,
footers and page numbers sit in structure elements no path from the root reaches (they become artifacts here);
an element split by a page break is two elements (joined here, so a list is one list across pages); a list item
holding paragraphs has no LBody (added); and header cells have no Scope (taken from the HTML's scope). It
writes one conformance claim; the PDF/UA one is added beside PDF/A's in the XMP, with the extension schema
PDF/A wants for a namespace of its own.

WeasyPrint builds the tree page by page and drops the link from a structure element to its HTML element, so
`record` (wrapped around its tree builder) notes, per element, the HTML element it came from. The tests read
every document's structure back with pikepdf and pdfua: a WeasyPrint that changes this breaks them, not letters.
"""

from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint.pdf import tags as weasy_tags

_SOURCES = "besvar_sources"  # per pydyf.PDF: id(structure element) -> its HTML element


def _recording(build):
    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        sources = pdf.__dict__.setdefault(_SOURCES, {})
        for element in build(box, parent, pdf, page_number, nums, annotations, tags):
            sources.setdefault(id(element), getattr(box, "element", None))
            yield element
    build_box_tree.besvar = True
    return build_box_tree


def record() -> None:
    """Wrap WeasyPrint's tree builder once per process (it calls itself through the module, so every level is seen)."""
    if not getattr(weasy_tags._build_box_tree, "besvar", False):
        weasy_tags._build_box_tree = _recording(weasy_tags._build_box_tree)


_UA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part>'
    b'</rdf:Description>'
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    b' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b'<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b'<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>'
    b'<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>'
    b'<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>'
    b'<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    b'<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>'
    b'<pdfaProperty:category>internal</pdfaProperty:category>'
    b'<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>'
    b'</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>'
)


class _Tree:
    def __init__(self, pdf: pydyf.PDF):
        self.pdf = pdf
        self.sources: dict[int, Any] = pdf.__dict__.get(_SOURCES, {})

    def get(self, reference) -> Any:
        return self.pdf.objects[int(reference.split()[0])] if isinstance(reference, bytes) else None

    def element(self, reference) -> pydyf.Dictionary | None:
        obj = self.get(reference)
        return obj if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" else None

    def walk(self, element: pydyf.Dictionary) -> Iterator[pydyf.Dictionary]:
        yield element
        for kid in element.get("K", ()):
            if (child := self.element(kid)) is not None:
                yield from self.walk(child)

    def source(self, element: pydyf.Dictionary):
        return self.sources.get(id(element))


def _new_element(pdf: pydyf.PDF, tag: str, parent: pydyf.Dictionary, kids: list) -> pydyf.Dictionary:
    element = pydyf.Dictionary({"Type": "/StructElem", "S": tag, "K": pydyf.Array(kids), "P": parent.reference})
    if "Pg" in parent:
        element["Pg"] = parent["Pg"]
    pdf.add_object(element)
    return element


def _join_split(tree: _Tree, element: pydyf.Dictionary, owner: dict[bytes, bytes]) -> None:
    """Join each run of siblings that are one HTML element split by page breaks, then do the same below."""
    kids: list = []
    for kid in element["K"]:
        previous = tree.element(kids[-1]) if kids else None
        current = tree.element(kid)
        source = tree.source(current) if current is not None else None
        if (previous is not None and current is not None and source is not None and source is tree.source(previous)
                and previous.get("Pg") != current.get("Pg") and previous["S"] == current["S"]):
            for kid_of_current in current["K"]:
                if isinstance(kid_of_current, int):  # a marked-content id belongs to its element's page: say which
                    previous["K"].append(pydyf.Dictionary({"Type": "/MCR", "Pg": current["Pg"], "MCID": kid_of_current}))
                    continue
                if (child := tree.element(kid_of_current)) is not None:
                    child["P"] = previous.reference
                previous["K"].append(kid_of_current)
            owner[current.reference] = previous.reference
            current.clear()  # nothing points at it now; pydyf cannot drop an object, so it is left empty
            continue
        kids.append(kid)
    element["K"] = pydyf.Array(kids)
    for kid in kids:
        if (child := tree.element(kid)) is not None:
            _join_split(tree, child, owner)


def finish(document, pdf: pydyf.PDF) -> None:
    """Artifacts, joined elements, LBody, Scope and the PDF/UA-1 claim (WeasyPrint's `finisher`)."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = _Tree(pdf)
    root = tree.get(pdf.catalog["StructTreeRoot"])
    top = tree.element(root["K"][0])
    parent_tree = tree.get(root["ParentTree"])
    nums = parent_tree["Nums"]

    # Joined first: the ParentTree then points marked content of a joined element at the one it joined.
    moved: dict[bytes, bytes] = {}
    _join_split(tree, top, moved)
    reachable = {e.reference for e in tree.walk(top)}

    pages = [tree.get(ref) for ref in pdf.page_references]
    for i in range(0, len(nums), 2):
        key, value = nums[i], nums[i + 1]
        if not isinstance(value, pydyf.Array):
            continue
        artifacts = set()
        for mcid, old in enumerate(value):
            ref = value[mcid] = moved.get(old, old)
            if ref not in reachable:
                artifacts.add(mcid)
                value[mcid] = b"null"
        if artifacts and key < len(pages):
            _mark_artifacts(tree, pages[key], artifacts)
    for i in range(1, len(nums), 2):  # an annotation's entry: one element, which may have been joined
        if isinstance(nums[i], bytes):
            nums[i] = moved.get(nums[i], nums[i])
    # What no path from the root reaches (the margin boxes' elements) is left empty rather than left as structure.
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and obj.reference not in reachable:
            obj.clear()

    for element in tree.walk(top):
        tag = element["S"]
        if tag == "/LI":
            kids = list(element["K"])
            body = [k for k in kids if (e := tree.element(k)) is None or e["S"] not in ("/Lbl", "/LBody")]
            if body:
                lbody = _new_element(pdf, "/LBody", element, body)
                for k in body:
                    if (child := tree.element(k)) is not None:
                        child["P"] = lbody.reference
                element["K"] = pydyf.Array([k for k in kids if k not in body] + [lbody.reference])
        elif tag == "/TH":
            html = tree.source(element)
            scope = html.get("scope") if html is not None else None
            attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
            attributes["Scope"] = "/Row" if scope == "row" else "/Column"

    metadata = tree.get(pdf.catalog["Metadata"])
    metadata.stream = [chunk.replace(b"</rdf:RDF>", _UA_XMP + b"</rdf:RDF>", 1) if isinstance(chunk, bytes) else chunk
                       for chunk in metadata.stream]


def _mark_artifacts(tree: _Tree, page: pydyf.Dictionary, mcids: set[int]) -> None:
    """Marked content of running headers, footers and page numbers becomes /Artifact (pagination)."""
    stream = tree.get(page["Contents"])
    items = stream.stream
    for i, item in enumerate(items):
        if (isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids and i > 0
                and i + 1 < len(items) and items[i + 1] == b"BDC"):
            items[i - 1] = "/Artifact"
            items[i] = pydyf.Dictionary({"Type": "/Pagination"})
