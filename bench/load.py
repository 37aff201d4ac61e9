"""Bench: the service under load — `besvar serve --workers 2` on 127.0.0.1, this process as the clients.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 32] [--workers 2] [--postgres URL] [--sqlite-only]

A mix of 90 % reads (inbox, library search, suggestions, letter view) and 10 % writes (draft saves,
each client on its own letter so no save waits for another's), plus one PDF render of a draft every
two seconds on the side. Prints requests/s, p50/p99 per route, errors, and the server's RSS at the
start and the end. Bounded in time; nothing leaves 127.0.0.1. Prints figures; asserts nothing.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.bank.service import import_path  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from bench.timing import on_each_database  # noqa: E402
from tests import server  # noqa: E402

QUERIES = ["ventetid lægekonsulent", "sygedagpenge", "ressourceforløb", "kontanthjælp", "førtidspension ME",
           "jobcenter sagsbehandlingstid", "lægeerklæringer", "fleksjob"]
QUESTIONS = ["Hvor lang er ventetiden på lægekonsulentens vurdering?", "Hvor mange borgere er på sygedagpenge?",
             "Hvordan behandles sager om førtidspension for borgere med ME?", "Hvor mange får kontanthjælp?"]
MIX = [("inbox", 30), ("library search", 25), ("suggestions", 20), ("letter view", 15), ("draft save", 10)]


def prepare(url: str, letters: int) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """A database with the bank, a drafter and an approver with tokens, and `letters` drafts."""
    upgrade(url)
    engine = make_engine(url)
    import_path(engine, ROOT / "question_bank")
    with Session(engine) as session:
        tokens = {}
        for role in ("drafter", "approver"):
            auth_service.add_user(session, username=f"load-{role}", role=role, name=f"Load {role}")
            tokens[role] = auth_service.create_token(session, username=f"load-{role}")
    client = TestClient(create_app(Settings(database_url=url), engine=engine))
    headers = {"Authorization": f"Bearer {tokens['drafter']}"}
    drafts = []
    for i in range(letters):
        inquiry = client.post("/api/v1/inquiries", headers=headers, json={
            "title": f"Belastning {i}", "asker": {"name": "Testbruger"}, "received_on": "2024-12-02",
            "organisation": "kk-bif", "questions": [{"text": random.choice(QUESTIONS)}]}).json()
        letter = client.post("/api/v1/letters", headers=headers, json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
        drafts.append((letter["id"], inquiry["questions"][0]["id"]))
    engine.dispose()
    return tokens, drafts


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the workers), in MB."""
    total = 0
    for path in [Path(f"/proc/{pid}")] + [Path(f"/proc/{c}") for c in _children(pid)]:
        try:
            for line in (path / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []


async def client_loop(base: str, token: str, letter: tuple[int, int], until: float, seed: int,
                      times: dict[str, list[float]], errors: dict[str, int]) -> None:
    rng = random.Random(seed)
    letter_id, question_id = letter
    routes, weights = zip(*MIX)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        version = (await client.get(f"/api/v1/letters/{letter_id}")).json()["version"]
        while time.monotonic() < until:
            route = rng.choices(routes, weights)[0]
            start = time.perf_counter()
            if route == "inbox":
                r = await client.get("/api/v1/inquiries", params={"limit": 50})
            elif route == "library search":
                r = await client.get("/api/v1/paragraphs", params={"q": rng.choice(QUERIES), "limit": 20})
            elif route == "suggestions":
                r = await client.get("/api/v1/suggestions", params={"q": rng.choice(QUESTIONS)})
            elif route == "letter view":
                r = await client.get(f"/api/v1/letters/{letter_id}")
            else:
                body = {"version": version, "answers": [{"question_id": question_id,
                                                        "blocks": [{"text": f"Udkast {seed}-{rng.random():.6f}"}]}]}
                r = await client.put(f"/api/v1/letters/{letter_id}", json=body)
                if r.status_code == 200:
                    version = r.json()["version"]
            times[route].append((time.perf_counter() - start) * 1000)
            if r.status_code >= 300:
                errors[f"{route} {r.status_code}"] += 1


async def render_loop(base: str, token: str, letter_id: int, until: float, times, errors) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        while time.monotonic() < until:
            start = time.perf_counter()
            r = await client.get(f"/api/v1/letters/{letter_id}/document.pdf")
            times["PDF render (draft)"].append((time.perf_counter() - start) * 1000)
            if r.status_code != 200:
                errors[f"PDF render {r.status_code}"] += 1
            await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - start)))


async def rss_loop(pid: int, until: float, samples: list[float]) -> None:
    """The server's RSS every tenth of the run, to see whether it levels off."""
    step = max((until - time.monotonic()) / 10, 1.0)
    while time.monotonic() < until:
        await asyncio.sleep(step)
        samples.append(rss_mb(pid))


async def drive(base: str, tokens: dict, drafts: list, seconds: float, clients: int, pid: int, samples: list[float]):
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    until = time.monotonic() + seconds
    tasks = [client_loop(base, tokens["drafter"], drafts[i], until, i, times, errors) for i in range(clients)]
    tasks.append(render_loop(base, tokens["drafter"], drafts[-1][0], until, times, errors))
    tasks.append(rss_loop(pid, until, samples))
    await asyncio.gather(*tasks)
    return times, errors


def run(label: str, url: str, args) -> None:
    tokens, drafts = prepare(url, args.clients + 1)
    with server.running(url, workers=args.workers, log=args.log) as srv:
        asyncio.run(drive(srv.url, tokens, drafts, 5, args.clients, srv.process.pid, []))  # warm-up: caches, connections
        rss_start, samples = rss_mb(srv.process.pid), []
        started = time.perf_counter()
        times, errors = asyncio.run(drive(srv.url, tokens, drafts, args.seconds, args.clients, srv.process.pid, samples))
        elapsed = time.perf_counter() - started
        rss_end = rss_mb(srv.process.pid)
    mix = sum(len(v) for k, v in times.items() if not k.startswith("PDF"))
    print(f"{label}: {args.workers} workers, {args.clients} clients, {args.seconds:.0f} s")
    print(f"  read/write mix: {mix / elapsed:7.1f} requests/s   errors: {sum(errors.values())} {dict(errors) or ''}")
    for route, ms in sorted(times.items()):
        q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
        print(f"  {route:22} n={len(ms):6}   p50 {statistics.median(ms):7.1f} ms   p99 {q[98]:7.1f} ms")
    print(f"  server RSS (all processes): {rss_start:.0f} MB after warm-up, {rss_end:.0f} MB at the end;"
          f" every tenth of the run: {' '.join(f'{mb:.0f}' for mb in samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--log", type=Path, help="append the server's output here")
    args = parser.parse_args()
    on_each_database(lambda label, url: run(label, url, args), None if args.sqlite_only else args.postgres)


if __name__ == "__main__":
    main()
