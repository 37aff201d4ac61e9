"""Bench: what a municipality's own synonym groups cost its searches, at the most it may keep. Prints figures.

    .venv/bin/python bench/synonyms_cost.py

On the seed bank (SQLite in a temp dir): suggestions for an ordinary question and for a 10,000-character one,
with no own groups (the alternative: the bank's groups only), with 500 own groups of 50 terms (the limit,
app.library.synonyms), and the same with the stemmed groups not cached (their first query after a change).
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, col, select

from app.bank.service import import_path
from app.db import make_engine
from app.library import sharing, synonyms
from app.library.suggest import suggest
from app.migrate import upgrade
from app.models import Municipality, Organisation, SynonymGroup
from bench.timing import p90, timed

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Hvor mange borgere med ME venter på en afgørelse om førtidspension i jobcentret?"
LONG = (QUESTION + " ") * 120  # about 10,000 characters: the most a query is read (suggest cuts there)

with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, ROOT / "question_bank"))
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(col(Organisation.key) == "kk-bif")).one()
        answering = sharing.answering(session, org.id)
        municipality = session.get(Municipality, org.municipality_id)

        def run(text: str) -> None:
            suggest(session, text=text, answering=answering)

        def row(label: str, fn, rounds: int = 30) -> None:
            times = sorted(timed(fn, rounds))
            print(f"{label:62} median {times[len(times) // 2]:7.1f} ms   p90 {p90(times):7.1f} ms")

        print("suggestions for kk-bif, seed bank, SQLite")
        row("ordinary question, no own groups", lambda: run(QUESTION))
        row("10,000 characters, no own groups", lambda: run(LONG), 10)
        for n in range(synonyms.MAX_GROUPS):
            words = [f"ord{n}x{k}" for k in range(synonyms.MAX_TERMS - 1)]
            session.add(SynonymGroup(key=f"bench-{n}", terms=[*words, "jobcenter" if n == 0 else f"udtryk nummer {n}"],
                                     municipality_id=municipality.id))
        session.commit()
        row("ordinary question, 500 own groups × 50 terms", lambda: run(QUESTION))
        row("10,000 characters, 500 own groups × 50 terms", lambda: run(LONG), 10)

        def uncached() -> None:
            synonyms._OWN.clear()
            run(QUESTION)

        row("ordinary question, 500 × 50, groups stemmed anew (after a change)", uncached, 10)
