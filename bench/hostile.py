"""Bench: hostile letters and uploads against a real `besvar serve`, and what other users feel meanwhile. Prints figures; asserts nothing.

    .venv/bin/python bench/hostile.py [--rounds 5]

The placeholder letter (issue 17, item 14): 4,500 [[x.navn]] of a 300-character label, 90 K characters
typed, 1.35 M when filled in. Before the filled-in count it rendered for 60 s to a 503 while its process
burned a core for 4 minutes. Beside it: an ordinary letter's preview, and the inbox's latency while
four hostile previews are sent at once. Then the two uploads of item 15 (tests/hostile_files.py), and a
PDF within the byte count that is slow to read, with the inbox's latency while four of it are uploaded at once.
"""

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.auth import service as auth_service  # noqa: E402
from app.organisations.structure import bank_units  # noqa: E402
from app.bank.service import import_path  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from bench.timing import p90  # noqa: E402
from tests import server  # noqa: E402
from tests.hostile_files import MAKERS, shared_stream_pdf  # noqa: E402


def prepare(url: str) -> str:
    """A database with the bank and a drafter; the drafter's token."""
    upgrade(url)
    engine = make_engine(url)
    import_path(engine, ROOT / "question_bank")
    with Session(engine) as session:
        auth_service.add_user(session, username="bench", role="drafter", name="Bench", units=bank_units("drafter"))
        token = auth_service.create_token(session, username="bench")
    engine.dispose()
    return token


def letters(base: str, headers: dict) -> tuple[int, int]:
    """Make the two letters over the API."""
    with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
        c.post("/api/v1/statistics", json={"key": "lang-etiket", "label": ("Antal borgere i kontanthjælpssystemet " * 8)[:300],
                                           "source": "Bench", "values": [{"period": "2024-01", "value": 1}]}).raise_for_status()
        out = []
        for text in ("[[lang-etiket.navn]] " * 2_250, "Forvaltningen følger ventetiden hver måned."):
            inquiry = c.post("/api/v1/inquiries", json={"title": "Bench", "asker": {"name": "Anne Testesen"},
                                                        "received_on": "2024-12-02", "organisation": "kk-bif",
                                                        "questions": [{"text": "Hvor mange er der?"}]}).json()
            letter = c.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
            blocks = [{"text": text}, {"text": text}] if text.startswith("[[") else [{"text": text}]
            c.put(f"/api/v1/letters/{letter['id']}", json={"version": 1, "answers": [
                {"question_id": inquiry["questions"][0]["id"], "blocks": blocks}]}).raise_for_status()
            out.append(letter["id"])
    return out[0], out[1]


def timed_get(c: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    status = c.get(path).status_code
    return (time.perf_counter() - start) * 1000, status


def inbox_while(c: httpx.Client, base: str, headers: dict, attack) -> list[float]:
    """The inbox's latency (50 requests) while four clients send `attack(client)` over and over."""
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=300) as a:
            while not stop.is_set():
                attack(a)

    attackers = [threading.Thread(target=loop) for _ in range(4)]
    for t in attackers:
        t.start()
    busy = [timed_get(c, "/api/v1/inquiries?limit=50")[0] for _ in range(50)]
    stop.set()
    for t in attackers:
        t.join()
    return busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hostile.db"
        token = prepare(url)
        headers = {"Authorization": f"Bearer {token}"}
        with server.running(url, workers=2, log=Path(tmp) / "server.log") as srv:
            hostile, ordinary = letters(srv.url, headers)
            with httpx.Client(base_url=srv.url, headers=headers, timeout=120) as c:
                for name, lid in (("placeholder letter", hostile), ("ordinary letter", ordinary)):
                    for fmt in ("pdf", "docx"):
                        runs = [timed_get(c, f"/api/v1/letters/{lid}/document.{fmt}") for _ in range(args.rounds)]
                        ms = [m for m, _ in runs]
                        print(f"{name:20s} preview {fmt:4s}  status {sorted({s for _, s in runs})}  "
                              f"p50 {statistics.median(ms):8.1f} ms   max {max(ms):8.1f} ms")
                quiet = [timed_get(c, "/api/v1/inquiries?limit=50")[0] for _ in range(50)]
                busy = inbox_while(c, srv.url, headers, lambda a: a.get(f"/api/v1/letters/{hostile}/document.pdf"))
            print(f"inbox (API), alone:                      p50 {statistics.median(quiet):6.1f} ms   p90 {p90(quiet):6.1f} ms")
            print(f"inbox (API), 4 placeholder previews loop: p50 {statistics.median(busy):6.1f} ms   p90 {p90(busy):6.1f} ms")
            uploads = {**{name: make() for name, make in MAKERS.items()},
                       "slow_pdf_within_counts": shared_stream_pdf(pages=3, stream_bytes=1_300_000)}
            with httpx.Client(base_url=srv.url, headers=headers, timeout=300) as c:
                for name, data in uploads.items():
                    start = time.perf_counter()
                    r = c.post("/api/v1/imports", files=[("files", (name, data, "application/octet-stream"))])
                    print(f"upload {name:24s} {len(data) / 1024:8.1f} KB  status {r.status_code}  "
                          f"{time.perf_counter() - start:6.2f} s")
                slow = [("files", ("tung.pdf", uploads["slow_pdf_within_counts"], "application/pdf"))]
                busy = inbox_while(c, srv.url, headers, lambda a: a.post("/api/v1/imports", files=slow))
            print(f"inbox (API), 4 slow uploads loop:         p50 {statistics.median(busy):6.1f} ms   p90 {p90(busy):6.1f} ms")


if __name__ == "__main__":
    main()
