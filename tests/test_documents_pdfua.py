"""Issue 21, findings 10 and 11: every kind of document is tagged as PDF/UA-1 asks and says so beside PDF/A.

Checked: the `pdfua` package's machine-checkable rules (structure tree, Marked, untagged content, language,
alt text, tables, annotations, headings, title, identification), and ours on top — nothing in the structure
that the root does not reach, running headers and page numbers as pagination artifacts, headings from H1, list
items of Lbl and LBody only, one list across pages, header cells with Scope, a hidden or tagged seal widget.
"""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pdfua  # a test dependency (pyproject [test]): make test installs it, so it is never skipped
import pikepdf
import pytest

from app.rendering import pdf
from app.rendering.context import Answer
from tests.documents import sample_context


LONG = tuple(f"- Punkt nummer {n} om ventetiderne i sygedagpengesagerne og hvad forvaltningen gør ved dem." for n in range(70))


def _contexts():
    yield "brev", sample_context(kind="brev")
    yield "notat", sample_context(kind="notat")
    yield "interim", replace(sample_context(kind="foreløbigt"), answers=(Answer(1, "Hvad?", ()),), expected_answer_on=date(2024, 3, 15))
    # Three pages and more: a list and a paragraph across page breaks.
    yield "long notat", sample_context(kind="notat", answers=(Answer(1, "Hvad?", (" ".join(["Ord"] * 700), "\n".join(LONG))),))
    yield "long brev", sample_context(kind="brev", answers=(Answer(1, "Hvad?", ("\n".join(LONG), " ".join(["Ord"] * 900))),))


CASES = dict(_contexts())


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, ctx in CASES.items():
        path = tmp_path_factory.mktemp("ua") / f"{name.replace(' ', '-')}.pdf"
        path.write_bytes(pdf.render(ctx))
        out[name] = path
    return out


def _elements(doc: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element the root reaches, in reading order."""
    out = []

    def walk(node):
        kids = node.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                out.append(kid)
                walk(kid)

    walk(doc.Root.StructTreeRoot)
    return out


def _tag(element) -> str:
    return str(element.S)[1:]


def _kid_elements(element) -> list:
    kids = element.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]


@pytest.mark.parametrize("name", list(CASES))
def test_the_pdfua_rules_pass_and_the_document_claims_pdfua_1_beside_pdfa(documents, name):
    report = pdfua.validate(str(documents[name]))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    with pikepdf.open(documents[name]) as doc:
        meta = doc.open_metadata()
        assert meta.get("pdfuaid:part") == "1"
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "A")
        # PDF/A wants a schema for a namespace it does not know: the pdfuaid one is described.
        assert b"http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in doc.Root.Metadata.read_bytes()
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True and doc.Root.MarkInfo.Marked is True


@pytest.mark.parametrize("name", list(CASES))
def test_everything_tagged_is_reached_from_the_root_and_page_furniture_is_an_artifact(documents, name):
    with pikepdf.open(documents[name]) as doc:
        reached = {e.objgen for e in _elements(doc)}
        nums = list(doc.Root.StructTreeRoot.ParentTree.Nums)
        for page_index, entries in zip(nums[::2], nums[1::2], strict=True):
            if isinstance(entries, pikepdf.Array):
                assert all(e is None or e.objgen in reached for e in entries), f"page {page_index}: unreachable"
        for number, page in enumerate(doc.pages, 1):
            furniture = [ops for ops, op in pikepdf.parse_content_stream(page) if op == pikepdf.Operator("BDC")
                         and ops[0] == pikepdf.Name.Artifact and ops[1].get("/Type") == pikepdf.Name.Pagination]
            assert furniture, f"page {number}: the running header and page number are not artifacts"


@pytest.mark.parametrize("name", list(CASES))
def test_headings_start_at_h1_lists_hold_lbl_and_lbody_and_header_cells_have_scope(documents, name):
    with pikepdf.open(documents[name]) as doc:
        elements = _elements(doc)
    headings = [_tag(e) for e in elements if _tag(e) in ("H1", "H2", "H3", "H4", "H5", "H6")]
    assert headings and headings[0] == "H1", headings
    for e in elements:
        if _tag(e) == "LI":
            assert {_tag(k) for k in _kid_elements(e)} <= {"Lbl", "LBody"}, [_tag(k) for k in _kid_elements(e)]
        if _tag(e) == "L":
            assert {_tag(k) for k in _kid_elements(e)} <= {"LI", "L", "Caption"}
        if _tag(e) == "TH":
            assert e.A.Scope in (pikepdf.Name.Row, pikepdf.Name.Column)
    assert "Table" in {_tag(e) for e in elements} or name == "interim" or "notat" in name  # the brev's case numbers


@pytest.mark.parametrize("name", ["long notat", "long brev"])
def test_a_list_and_a_paragraph_across_page_breaks_are_one_element_each(documents, name):
    with pikepdf.open(documents[name]) as doc:
        assert len(doc.pages) >= 2
        elements = _elements(doc)
    lists = [e for e in elements if _tag(e) == "L" and len(_kid_elements(e)) >= 10]
    assert len(lists) == 1 and len(_kid_elements(lists[0])) == len(LONG), [len(_kid_elements(e)) for e in lists]
    words = [e for e in elements if _tag(e) == "P" and len(_kid_elements(e)) >= 1]
    long_paragraphs = [p for p in words if sum(1 for k in _kid_elements(p) if _tag(k) == "Span") > 10]
    assert len(long_paragraphs) == 1, len(long_paragraphs)
