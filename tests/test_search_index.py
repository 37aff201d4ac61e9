"""The search index in the database: the same results on SQLite and PostgreSQL, and kept in sync."""

import json
from collections import Counter

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app.bank.service import import_path
from app.db import make_engine
from app.library import search_index
from app.library.suggest import suggest
from app.models import SearchDoc, SearchStat, SearchTerm
from tests.conftest import BANK, ROOT, _truncate_all
from tests.test_api_inquiries import _new
from tests.test_bank_import import _besvar
from tests.test_workflow import _paragraph_id

QUERIES = [c["q"] for name in ("suggest_dev.json", "suggest_phrasings.json")
           for c in json.loads((ROOT / "tests" / "fixtures" / name).read_text(encoding="utf-8"))]
QUERIES += ["sygedagpengesager", "kontanthjælp OR NEAR \"ME\"*", "borgere", "x" * 10_000, "og i at", "-:'"]


def _results(engine) -> list[list[tuple]]:
    with Session(engine) as session:
        return [[(s.key, s.score, s.via, s.why, s.flags) for s in suggest(session, text=q, limit=5)] for q in QUERIES]


def _consistent(engine) -> None:
    """The incremental counts equal what the rows say, and the native index matches every term."""
    with Session(engine) as session:
        docs = session.exec(select(SearchDoc)).all()
        for kind in search_index.KINDS:
            mine = [d for d in docs if d.kind == kind]
            stat = session.get(SearchStat, kind)
            assert (stat.docs, stat.total_length) == (len(mine), sum(d.length for d in mine))
            df = Counter(t for d in mine for t in set(d.terms.split()))
            stored = {t.term: t.df for t in session.exec(select(SearchTerm).where(SearchTerm.kind == kind))}
            assert stored == dict(df)
        # Every document is found by the database's own index through its rarest term.
        for d in docs:
            if d.terms:
                term = d.terms.split()[0]
                dialect = session.get_bind().dialect.name
                rows = session.execute(text(search_index._MATCH[dialect]),
                                       {"q": search_index._match_query(dialect, [term]), "n": 100_000}).all()
                assert (d.kind, d.ref_id) in {(r[0], r[1]) for r in rows}


def test_the_same_suggestions_on_both_databases(sqlite_seeded, postgres_url):
    pg = make_engine(postgres_url)
    try:
        _truncate_all(pg)
        assert all(r.error is None for r in import_path(pg, BANK))
        on_sqlite, on_postgres = _results(sqlite_seeded), _results(pg)
        assert sum(map(len, on_sqlite)) > len(QUERIES)  # they found things
        assert on_sqlite == on_postgres
    finally:
        pg.dispose()


def test_a_paragraph_is_found_by_its_own_words_after_create_and_edit(api, seeded):
    body = {"key": "vinterbadning", "title": "Vinterbadning ved Amager Strand", "organisation": "kk-bif",
            "text": "Kommunen holder isranden åben for vinterbadere fra december til marts."}
    created = api.post("/api/v1/paragraphs", json=body)
    assert created.status_code == 201, created.text
    first = api.get("/api/v1/suggestions", params={"q": "Hvornår kan vinterbadere bruge isranden?", "organisation": "kk-bif"}).json()["items"]
    assert first[0]["key"] == "vinterbadning" and "isranden" in first[0]["why"]
    edited = api.put(f"/api/v1/paragraphs/{created.json()['id']}",
                     json={"title": body["title"], "text": "Kommunen holder saunaen åben for vinterbadere hele året.", "version": 1})
    assert edited.status_code == 200, edited.text
    now = api.get("/api/v1/suggestions", params={"q": "Hvornår kan vinterbadere bruge isranden?", "organisation": "kk-bif"}).json()["items"]
    assert now[0]["key"] == "vinterbadning" and "isranden" not in now[0]["why"]  # the old words are gone
    assert api.get("/api/v1/suggestions", params={"q": "saunaen", "organisation": "kk-bif"}).json()["items"][0]["key"] == "vinterbadning"
    _consistent(seeded)


def test_an_approved_answer_leads_the_next_similar_question_to_its_paragraph(api, seeded):
    question = "Hvor mange rottespærrer har forvaltningen opsat i kloakkerne?"
    inquiry = api.post("/api/v1/inquiries", json=_new(questions=[{"text": question}], organisation="aalborg-fb")).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
    pid = _paragraph_id(api, "aalborg-kontanthjaelpssager-udvikling")
    saved = api.put(f"/api/v1/letters/{letter['id']}", json={
        "version": 1, "answers": [{"question_id": inquiry["questions"][0]["id"], "blocks": [{"paragraph_id": pid}]}]})
    assert saved.status_code == 200, saved.text
    before = api.get("/api/v1/suggestions", params={"q": "rottespærrer i kloakkerne"}).json()["items"]
    assert before == []  # no paragraph speaks of rats yet
    assert api.post(f"/api/v1/letters/{letter['id']}/submit", json={}).status_code == 200
    assert api.approve(letter['id'], role="approver").status_code == 200
    after = api.get("/api/v1/suggestions", params={"q": "rottespærrer i kloakkerne"}).json()["items"]
    assert after[0]["paragraph_id"] == pid and after[0]["via"] == "question" and after[0]["why"] == question
    _consistent(seeded)


def test_a_new_synonym_reaches_paragraphs_imported_before_it(seeded, tmp_path):
    with Session(seeded) as session:
        assert suggest(session, text="kronisk udmattelsessyndrom") == []
    extra = tmp_path / "synonyms.yaml"
    extra.write_text("synonyms:\n  - key: me-udmattelse\n    terms: [kronisk udmattelsessyndrom, ME/CFS]\n", encoding="utf-8")
    assert all(r.error is None for r in import_path(seeded, extra))
    with Session(seeded) as session:
        found = suggest(session, text="kronisk udmattelsessyndrom", limit=3)
    assert found and any("ME" in s.text for s in found)
    _consistent(seeded)


def test_reindex_command_and_upgrade_rebuild_a_lost_index(seeded, database_url):
    with Session(seeded) as session:
        want = [(s.key, s.score) for s in suggest(session, text="sygedagpengesager over et år")]
        session.execute(text("DELETE FROM search_doc"))
        session.execute(text("DELETE FROM search_term"))
        session.commit()
        assert suggest(session, text="sygedagpengesager over et år") == []
    result = _besvar(["search", "reindex"], database_url)
    assert result.returncode == 0 and "search index rebuilt" in result.stdout, result.stderr
    with Session(seeded) as session:
        assert [(s.key, s.score) for s in suggest(session, text="sygedagpengesager over et år")] == want
        session.execute(text("DELETE FROM search_doc"))
        session.commit()
    upgraded = _besvar(["db", "upgrade"], database_url)
    assert upgraded.returncode == 0 and "search index built" in upgraded.stdout, upgraded.stderr
    _consistent(seeded)


@pytest.mark.parametrize("q", ['"', "*", "NEAR", "OR", ":", "-", "'", "AND NOT", "^x", "a:b", "(", "{}", "\\", "'|&!"])
def test_fts_syntax_reaches_neither_index(seeded, q):
    with Session(seeded) as session:
        assert isinstance(suggest(session, text=f"sygedagpenge {q} sager"), list)
        found = search_index.search(session, q)
        if not any(c.isalnum() for c in q):
            assert found.paragraphs == found.questions == []  # nothing but syntax: nothing to find
