"""Bench: the public record's cost, SQLite beside PostgreSQL, and redaction's. Prints figures; asserts nothing.

    .venv/bin/python bench/public_record.py [--publications 20000] [--postgres URL]

Generated publications (a few hundred words of Danish each, as stems) for two municipalities; timed over HTTP
without a login: the list, a search for a common word, for a rare one, for eight words (the most a search reads),
a 300-character query of nonsense (a hostile one: cheap, never minutes), one page, and the feed. Beside them, what
a reader would otherwise do: nothing comparable exists, so the list's own first page is the baseline. Then
redaction: 50 passages (the most allowed) over a letter of the largest size Besvar renders.
"""

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.library.analysis import content_stems  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Asker, Inquiry, Municipality, Organisation, Publication  # noqa: E402
from app.publication import redaction  # noqa: E402
from app.rendering.context import MAX_LETTER_CHARS  # noqa: E402
from bench.timing import analyzed, bank_engine, on_each_database, p90, timed  # noqa: E402

WORDS = ["kontanthjælp", "jobcenter", "ventetid", "borger", "sag", "sagsbehandling", "ledighed", "uddannelse", "indsats", "aktivering", "sygedagpenge", "ressourceforløb", "fleksjob", "revalidering", "integration", "sprogskole", "praktik", "virksomhed", "handicap", "hjemmehjælp", "plejehjem", "skole", "daginstitution", "børn", "unge", "familie", "budget", "udvalg", "byråd", "forvaltning", "klage", "afgørelse"]


def generate(engine, n: int, seed: int) -> float:
    """Write `n` published inquiries; the seconds it took."""
    rng = random.Random(seed)
    start = time.perf_counter()
    with Session(engine) as session:
        orgs = list(session.exec(select(Organisation).where(col(Organisation.key).in_(["kk-bif", "aalborg-fb"]))))
        municipalities = {m.id: m for m in session.exec(select(Municipality))}
        askers = []
        for org in orgs:
            for k in range(30):
                asker = Asker(name=f"Medlem {k} ({org.municipality})", municipality=org.municipality)
                session.add(asker)
                askers.append((org, asker))
        session.flush()
        base, now = 20_000_000, datetime.now(UTC)
        inquiries, publications = [], []
        for i in range(n):
            org, asker = askers[rng.randrange(len(askers))]
            received = date(2024, 1, 1) + timedelta(days=rng.randrange(1000))
            answer = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(80, 300)))
            title = f"Spørgsmål om {rng.choice(WORDS)} og {rng.choice(WORDS)} {i}"
            inquiries.append({"id": base + i, "organisation_id": org.id, "title": title, "asker_id": asker.id,
                              "received_on": received, "deadline": received + timedelta(days=14), "state": "besvaret",
                              "status": "answered", "created_at": now})
            publications.append({"inquiry_id": base + i, "municipality_id": org.municipality_id or next(iter(municipalities)),
                                 "slug": f"{received.year}-{base + i}-sporgsmal", "title": title, "asker": asker.name,
                                 "topic": rng.choice(["Beskæftigelse", "Sundhed", "Børn og unge", None]),
                                 "received_on": received, "answered_on": received + timedelta(days=10),
                                 "questions": [{"number": 1, "text": title, "answer": [answer]}], "redaction_log": [],
                                 "search_terms": f" {' '.join(sorted(set(content_stems(title + ' ' + answer))))} ",
                                 "published_at": now - timedelta(minutes=i)})
        for chunk in range(0, n, 10_000):
            session.execute(insert(Inquiry), inquiries[chunk:chunk + 10_000])
            session.execute(insert(Publication), publications[chunk:chunk + 10_000])
        session.commit()
    return time.perf_counter() - start


def bench(label: str, url: str, n: int, seed: int) -> None:
    engine = bank_engine(url)
    written = generate(engine, n, seed)
    analyzed(engine)
    print(f"\n{label}: {n:,} publications written in {written:.1f} s")
    client = TestClient(create_app(Settings(database_url=url), engine=engine))
    with Session(engine) as session:
        slug = session.exec(select(col(Publication.slug)).limit(1)).one()
    hostile = "".join(random.Random(1).choice("abcdefghijklmnopqrstuvwxyzæøå ") for _ in range(300))
    for name, path in (("list, first page", "/offentlig/"), ("search: a common word", "/offentlig/?q=jobcenter"),
                       ("search: a rare word", "/offentlig/?q=revalidering+plejehjem"),
                       ("search: eight words", "/offentlig/?q=" + "+".join(WORDS[:8])),
                       ("search: 300 characters of nonsense", "/offentlig/?q=" + hostile.replace(" ", "+")),
                       ("one publication", f"/offentlig/{slug}"), ("feed (50 newest)", "/offentlig/feed.atom")):
        times = sorted(timed(lambda p=path: client.get(p).raise_for_status(), 7))
        print(f"  {name:36} median {times[3]:7.0f} ms  p90 {p90(times):7.0f} ms")
    engine.dispose()


def redaction_cost() -> None:
    text_ = ("Borgeren Jens Hansen (010190-1234) fik hjælp. " * (MAX_LETTER_CHARS // 47))[:MAX_LETTER_CHARS]
    passages = redaction.checked([(f"Hansen{n}" if n else "Jens Hansen", "health") for n in range(redaction.MAX_REDACTIONS)])
    times = sorted(timed(lambda: redaction.apply(text_, passages), 7))
    print(f"\nRedaction: {redaction.MAX_REDACTIONS} passages over {len(text_):,} characters: median {times[3]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publications", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    redaction_cost()
    on_each_database(lambda label, url: bench(label, url, args.publications, args.seed), args.postgres)


if __name__ == "__main__":
    main()
