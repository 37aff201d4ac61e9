"""Bench: suggestion latency on a large generated bank, SQLite beside PostgreSQL, index beside naive LIKE.

    .venv/bin/python bench/suggest_speed.py [--questions 100000] [--paragraphs 10000] [--queries 1000]
                                            [--postgres URL] [--seed 7]

The bank is the real question bank plus generated paragraphs and answered questions whose words
come from the bank's own texts and a list of municipal Danish words, drawn with Zipf weights
(a few words everywhere, most words rare), from a fixed seed. Prints figures; asserts nothing.
"""

import argparse
import random
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank.service import import_path, reindex  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.library.analysis import STOP_WORDS, words  # noqa: E402
from app.library.suggest import suggest  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import (Asker, Inquiry, Organisation, Paragraph, ParagraphVersion, Question,  # noqa: E402
                        QuestionParagraph, utcnow)
from bench.timing import on_each_database  # noqa: E402

MUNICIPAL = """borger borgere sag sager sagsbehandling sagsbehandlingstid ventetid ventetider ventelister forvaltning
forvaltningen kommune kommunen jobcenter jobcentret ydelse ydelser kontanthjælp sygedagpenge førtidspension
fleksjob ressourceforløb lægeerklæring lægeerklæringer speciallægeerklæring lægekonsulent lægekonsulenten
vurdering vurderinger rehabiliteringsteam tilbud tilbuddene plejehjem plejehjemspladser hjemmepleje hjemmehjælp
visitation visitationen skole skoler folkeskole folkeskolen elever elev lærere klasse klasser inklusion
specialundervisning dagtilbud daginstitution daginstitutioner vuggestue børnehave pædagoger normering normeringer
anbringelse anbringelser underretning underretninger familier børn unge handicap handicappede hjælpemidler
boligstøtte bolig boliger byggesag byggesager byggetilladelse lokalplan lokalplaner trafik cykelsti cykelstier
parkering parkeringspladser vej veje renovation affald genbrug klima klimaplan energi budget budgettet udgifter
merudgifter besparelse besparelser medarbejdere sygefravær rekruttering vikarer udbud kontrakt kontrakter
klage klager klagesager ankestyrelsen afgørelse afgørelser hjemgivelse tidsfrist tidsfrister borgerrådgiver
integration flygtninge danskuddannelse sprogskole misbrug behandling psykiatri bostøtte hjemløse herberg
ældre demens genoptræning sundhed forebyggelse rygning motion idræt idrætsanlæg svømmehal bibliotek kultur""".split()
TEMPLATES = [
    "Hvor mange {} {} er der i {}?",
    "Kan forvaltningen oplyse hvor lang {} er for {} med {}?",
    "Hvad er udviklingen i antallet af {} og {} siden {}?",
    "Hvordan sikrer forvaltningen at {} får {} inden for {}?",
    "Hvad koster {} for {} og hvordan fordeles {}?",
    "Vil forvaltningen redegøre for {} i forhold til {} og {}?",
]


def vocabulary() -> list[str]:
    """Words in Zipf order: the municipal list, then the bank's own words, most frequent first."""
    counts: dict[str, int] = {}
    for path in sorted((ROOT / "question_bank").rglob("*.yaml")):
        for w in words(path.read_text(encoding="utf-8")):
            if w not in STOP_WORDS and len(w) > 2 and not w.isdigit():
                counts[w] = counts.get(w, 0) + 1
    bank = sorted(counts, key=lambda w: (-counts[w], w))
    return list(dict.fromkeys(MUNICIPAL + bank))


class Generator:
    """Deterministic Danish-looking texts over `vocab` with Zipf weights."""

    def __init__(self, vocab: list[str], seed: int):
        self.rng = random.Random(seed)
        self.vocab = vocab
        self.cum = []
        total = 0.0
        for rank in range(1, len(vocab) + 1):
            total += 1 / rank
            self.cum.append(total)

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def question(self) -> str:
        template = self.rng.choice(TEMPLATES)
        parts = [" ".join(self.words(self.rng.randint(1, 3))) for _ in range(template.count("{}"))]
        return template.format(*parts)

    def paragraph(self) -> tuple[str, str, list[str]]:
        title = " ".join(self.words(self.rng.randint(2, 5))).capitalize()
        sentences = [" ".join(self.words(self.rng.randint(8, 16))).capitalize() + "." for _ in range(self.rng.randint(3, 7))]
        return title, " ".join(sentences), self.words(2)


def populate(engine, vocab: list[str], n_questions: int, n_paragraphs: int, seed: int) -> tuple[float, float, dict]:
    """The real bank plus generated rows; seconds to write the rows and to build the index."""
    import_path(engine, ROOT / "question_bank")
    gen = Generator(vocab, seed)
    now = utcnow()
    start = time.perf_counter()
    with Session(engine) as session:
        org = session.exec(select(Organisation.id)).first()
        asker = session.exec(select(Asker.id)).first()
        base = 10_000_000  # ids well above the bank's
        paragraphs, versions = [], []
        for i in range(n_paragraphs):
            title, body, topics = gen.paragraph()
            paragraphs.append({"id": base + i, "key": f"gen-{i}", "organisation_id": org, "current_version": 1,
                               "created_at": now})
            versions.append({"paragraph_id": base + i, "version": 1, "title": title[:300], "text": body, "topics": topics,
                             "legal_refs": [], "created_at": now})
        session.execute(insert(Paragraph), paragraphs)
        session.execute(insert(ParagraphVersion), versions)
        inquiries, questions, links = [], [], []
        per_inquiry = 10
        for i in range(n_questions // per_inquiry):
            inquiries.append({"id": base + i, "organisation_id": org, "title": f"Generated {i}", "asker_id": asker,
                              "received_on": date(2020, 1, 1), "deadline": date(2020, 1, 15), "status": "answered",
                              "created_at": now})
            for j in range(per_inquiry):
                qid = base + i * per_inquiry + j
                questions.append({"id": qid, "inquiry_id": base + i, "number": j + 1, "text": gen.question()})
                for position, pid in enumerate(gen.rng.sample(range(n_paragraphs), gen.rng.randint(1, 2)), start=1):
                    links.append({"question_id": qid, "paragraph_id": base + pid, "paragraph_version": 1, "position": position})
        session.execute(insert(Inquiry), inquiries)
        session.execute(insert(Question), questions)
        session.execute(insert(QuestionParagraph), links)
        session.commit()
    written = time.perf_counter() - start
    start = time.perf_counter()
    counts = reindex(engine)
    return written, time.perf_counter() - start, counts


def naive_like(session: Session, query: str, limit: int = 5) -> list:
    """What one would write without an index: every content word as LIKE '%word%', most matches first."""
    terms = [w for w in dict.fromkeys(words(query)) if w not in STOP_WORDS and len(w) > 2][:8]
    if not terms:
        return []
    hits = " + ".join(f"(CASE WHEN lower(v.text) LIKE :w{i} OR lower(v.title) LIKE :w{i} THEN 1 ELSE 0 END)"
                      for i in range(len(terms)))
    sql = (f"SELECT p.id, {hits} AS n FROM paragraph p JOIN paragraph_version v ON v.paragraph_id = p.id"
           f" AND v.version = p.current_version WHERE {hits} > 0 ORDER BY n DESC, p.id LIMIT :limit")
    return session.execute(text(sql), {**{f"w{i}": f"%{t}%" for i, t in enumerate(terms)}, "limit": limit}).all()


def percentiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {q[94]:7.1f} ms   max {max(ms):7.1f} ms"


def bench(label: str, url: str, vocab: list[str], args) -> None:
    upgrade(url)
    engine = make_engine(url)
    written, indexed, counts = populate(engine, vocab, args.questions, args.paragraphs, args.seed)
    print(f"{label}:")
    print(f"  bank: {counts['paragraph']:,} paragraphs, {counts['question']:,} answered questions")
    print(f"  import: rows written {written:6.1f} s, search index built {indexed:6.1f} s")
    queries = [Generator(vocab, args.seed + 1).question() for _ in range(args.queries)]
    # New phrasings too: rewritten with a synonym, an inflection or a compound the bank does not spell out.
    queries[::4] = [q.replace("sager", "sagerne").replace("borgere", "borgerne") + " Kronisk træthedssyndrom?"
                    for q in queries[::4]]
    # The LIKE scan takes about a second a query here, so it gets the first tenth of the queries.
    for name, fn, some in [("suggestions (index + BM25)", lambda s, q: suggest(s, text=q, limit=5), queries),
                           ("naive LIKE over paragraphs", naive_like, queries[: max(len(queries) // 10, 20)])]:
        with Session(engine) as session:
            fn(session, queries[0])  # first call loads the analyzer's vocabulary
            ms = []
            for q in some:
                start = time.perf_counter()
                fn(session, q)
                ms.append((time.perf_counter() - start) * 1000)
                session.rollback()
        print(f"  {name:30} {percentiles(ms)}   ({len(some)} queries)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    vocab = vocabulary()
    on_each_database(lambda label, url: bench(label, url, vocab, args), args.postgres)


if __name__ == "__main__":
    main()
