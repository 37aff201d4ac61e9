"""Bench: the service under load — `besvar serve --workers 2` on 127.0.0.1, this process as the clients.

    .venv/bin/python bench/load.py [--seconds 60] [--rate 300] [--clients 32] [--workers 2]
                                   [--postgres URL] [--sqlite-only | --postgres-only]
                                   [--phase capacity|rate|both]

A mix of 90 % reads (inbox, library search, suggestions, letter view) and 10 % writes (draft saves,
each on a letter no other request is saving), plus one PDF render of a draft every two seconds on
the side. Two phases per database:

- capacity: `--clients` clients each send their next request as soon as the last is answered; the
  requests/s they get through is what the server can do.
- at a rate: requests arrive at `--rate` per second on a Poisson schedule whether or not earlier
  ones are answered, as users do; each latency counts from the moment its request was due, so a
  server that falls behind shows it (no coordinated omission). This is the phase the targets
  (≥ 300 requests/s, p99 ≤ 150 ms) are read from.

Prints requests/s, p50/p99 per route, errors, and the server's RSS through the run. Bounded in time;
nothing leaves 127.0.0.1. Prints figures; asserts nothing.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
from fastapi.testclient import TestClient
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.organisations.structure import bank_units  # noqa: E402
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


def prepare(url: str, letters: int) -> tuple[dict[str, str], list[tuple[int, int]], dict[int, int]]:
    """A database with the bank, a drafter and an approver with tokens, and `letters` drafts (and their versions)."""
    upgrade(url)
    engine = make_engine(url)
    import_path(engine, ROOT / "question_bank")
    with Session(engine) as session:
        tokens = {}
        for role in ("drafter", "approver"):
            auth_service.add_user(session, username=f"load-{role}", role=role, name=f"Load {role}", units=bank_units(role))
            tokens[role] = auth_service.create_token(session, username=f"load-{role}")
    client = TestClient(create_app(Settings(database_url=url), engine=engine))
    headers = {"Authorization": f"Bearer {tokens['drafter']}"}
    drafts, versions = [], {}
    for i in range(letters):
        inquiry = client.post("/api/v1/inquiries", headers=headers, json={
            "title": f"Belastning {i}", "asker": {"name": "Testbruger"}, "received_on": "2024-12-02",
            "organisation": "kk-bif", "questions": [{"text": random.choice(QUESTIONS)}]}).json()
        letter = client.post("/api/v1/letters", headers=headers, json={"inquiry_id": inquiry["id"], "kind": "brev"}).json()
        drafts.append((letter["id"], inquiry["questions"][0]["id"]))
        versions[letter["id"]] = letter["version"]
    engine.dispose()
    return tokens, drafts, versions


def rss_mb(pid: int) -> float:
    """Resident memory of a process and everything under it (workers, render processes), in MB."""
    total = 0
    for path in [Path(f"/proc/{pid}")] + [Path(f"/proc/{c}") for c in _children(pid)]:
        try:
            for line in (path / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time used so far by a process and by each one under it (workers, render processes)."""
    out = {}
    for p in [pid] + _children(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return out


def _children(pid: int) -> list[int]:
    """Every process under `pid`: the workers and their render processes."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # the process has ended
        return []
    direct = []
    for task in tasks:
        try:
            direct += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the thread ended since it was listed
            pass
    return [p for c in direct for p in [c] + _children(c)]


ROUTES, WEIGHTS = zip(*MIX)


class Load:
    """What the clients share: the server, the letters free for a save, and what was measured."""

    def __init__(self, base: str, token: str, drafts: list[tuple[int, int]], versions: dict[int, int]):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.free: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
        for draft in drafts[:-1]:
            self.free.put_nowait(draft)
        self.render_letter = drafts[-1][0]
        self.versions = versions
        self.views = [d[0] for d in drafts]
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.timeline: list[tuple[float, float]] = []  # (due, ms) of every request of the mix

    async def request(self, http: aiohttp.ClientSession, route: str, rng: random.Random, due: float) -> None:
        """One request of `route`; its latency counts from `due` (a perf_counter time)."""
        try:
            status = await self._send(http, route, rng)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status = exc.__class__.__name__
        self.times[route].append((time.perf_counter() - due) * 1000)
        self.timeline.append((due, self.times[route][-1]))
        if not isinstance(status, int) or status >= 300:
            self.errors[f"{route} {status}"] += 1

    async def _send(self, http: aiohttp.ClientSession, route: str, rng: random.Random) -> int:
        if route == "inbox":
            return await self._get(http, "/api/v1/inquiries", {"limit": 50})
        if route == "library search":
            return await self._get(http, "/api/v1/paragraphs", {"q": rng.choice(QUERIES), "limit": 20})
        if route == "suggestions":
            return await self._get(http, "/api/v1/suggestions", {"q": rng.choice(QUESTIONS)})
        if route == "letter view":
            return await self._get(http, f"/api/v1/letters/{rng.choice(self.views)}", {})
        # A draft save takes a letter no one else is saving, as a drafter keeps to their own letter.
        letter_id, question_id = await self.free.get()
        try:
            body = {"version": self.versions[letter_id], "answers": [
                {"question_id": question_id, "blocks": [{"text": f"Udkast {rng.random():.6f}"}]}]}
            async with http.put(f"{self.base}/api/v1/letters/{letter_id}", json=body, headers=self.headers) as r:
                if r.status == 200:
                    self.versions[letter_id] = (await r.json())["version"]
                else:
                    await r.read()
                return r.status
        finally:
            self.free.put_nowait((letter_id, question_id))

    async def _get(self, http: aiohttp.ClientSession, path: str, params: dict) -> int:
        async with http.get(f"{self.base}{path}", params=params, headers=self.headers) as r:
            await r.read()
            return r.status

    async def renders(self, until: float) -> None:
        """A PDF of a draft every two seconds beside the mix, on its own connection."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            while time.monotonic() < until:
                start = time.perf_counter()
                try:
                    async with http.get(f"{self.base}/api/v1/letters/{self.render_letter}/document.pdf",
                                        headers=self.headers) as r:
                        await r.read()
                        status = r.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    status = exc.__class__.__name__
                if status != 200:
                    self.errors[f"PDF render {status}"] += 1
                self.times["PDF render (draft)"].append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - start)))


async def closed_loop(load: Load, http: aiohttp.ClientSession, until: float, seed: int) -> None:
    """One client: the next request as soon as the last is answered."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        await load.request(http, rng.choices(ROUTES, WEIGHTS)[0], rng, time.perf_counter())


async def open_loop(load: Load, http: aiohttp.ClientSession, until: float, rate: float) -> None:
    """Requests due at `rate` per second (Poisson arrivals), each sent on time whatever the others do."""
    rng = random.Random(7)
    pending = set()
    due = time.perf_counter()
    end = time.perf_counter() + (until - time.monotonic())
    while due < end:
        due += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        task = asyncio.create_task(load.request(http, rng.choices(ROUTES, WEIGHTS)[0], rng, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)


async def rss_loop(pid: int, until: float, samples: list[float]) -> None:
    """The server's RSS every tenth of the run, to see whether it levels off."""
    step = max((until - time.monotonic()) / 10, 1.0)
    while time.monotonic() < until:
        await asyncio.sleep(step)
        samples.append(rss_mb(pid))


async def drive(load: Load, phase: str, seconds: float, args, pid: int, samples: list[float]) -> float:
    """Run one phase for `seconds`; the seconds it took."""
    until = time.monotonic() + seconds
    # One connection per client (or up to 256 in flight at a rate): the server, not the pool, is measured.
    connector = aiohttp.TCPConnector(limit=args.clients if phase == "capacity" else 256)
    timeout = aiohttp.ClientTimeout(total=60)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        tasks = [load.renders(until), rss_loop(pid, until, samples)]
        if phase == "capacity":
            tasks += [closed_loop(load, http, until, i) for i in range(args.clients)]
        else:
            tasks.append(open_loop(load, http, until, args.rate))
        await asyncio.gather(*tasks)
    return time.perf_counter() - started


def report(title: str, load: Load, elapsed: float, rss: list[float], cpu: tuple[list[float], float]) -> None:
    mix = sum(len(v) for k, v in load.times.items() if not k.startswith("PDF"))
    print(title)
    print(f"  read/write mix: {mix / elapsed:7.1f} requests/s   errors: {sum(load.errors.values())} {dict(load.errors) or ''}")
    per_process = " + ".join(f"{seconds / elapsed:.2f}" for seconds in cpu[0] if seconds / elapsed >= 0.01)
    print(f"  CPU: server {sum(cpu[0]) / elapsed:.2f} cores ({per_process} by process),"
          f" load clients {cpu[1] / elapsed:.2f} cores (of {os.cpu_count()}; the database server's own not counted)")
    every = [ms for k, v in load.times.items() if not k.startswith("PDF") for ms in v]
    if len(every) > 1:
        print(f"  {'all of the mix':22} n={len(every):6}   p50 {statistics.median(every):7.1f} ms   "
              f"p99 {statistics.quantiles(every, n=100)[98]:7.1f} ms")
    for route, ms in sorted(load.times.items()):
        q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
        print(f"  {route:22} n={len(ms):6}   p50 {statistics.median(ms):7.1f} ms   p99 {q[98]:7.1f} ms")
    if len(load.timeline) > 100:  # when in the run the slow requests were: a trend, or a spike
        start, end = min(d for d, _ in load.timeline), max(d for d, _ in load.timeline)
        tenths = [[] for _ in range(10)]
        for due, ms in load.timeline:
            tenths[min(9, int((due - start) / (end - start) * 10))].append(ms)
        print("  p99 of the mix in every tenth of the run (ms): "
              + " ".join(f"{statistics.quantiles(t, n=100)[98]:.0f}" if len(t) > 1 else "-" for t in tenths))
    print(f"  server RSS (all processes): {rss[0]:.0f} MB after warm-up, {rss[-1]:.0f} MB at the end;"
          f" every tenth of the run: {' '.join(f'{mb:.0f}' for mb in rss[1:])}")


def run(label: str, url: str, args) -> None:
    tokens, drafts, versions = prepare(url, args.clients + 1)
    phases = ["capacity", "rate"] if args.phase == "both" else [args.phase]
    with server.running(url, workers=args.workers, log=args.log) as srv:
        pid = srv.process.pid
        asyncio.run(drive(Load(srv.url, tokens["drafter"], drafts, versions), "capacity", 5, args, pid, []))  # warm-up
        for phase in phases:
            load, samples = Load(srv.url, tokens["drafter"], drafts, versions), [rss_mb(pid)]
            server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
            elapsed = asyncio.run(drive(load, phase, args.seconds, args, pid, samples))
            after = cpu_seconds(pid)
            cpu = ([after[p] - server_cpu.get(p, 0.0) for p in after], time.process_time() - client_cpu)
            what = f"{args.clients} clients as fast as answered" if phase == "capacity" else f"{args.rate:.0f} requests/s offered"
            report(f"{label}: {args.workers} workers, {what}, {args.seconds:.0f} s", load, elapsed, samples, cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=300, help="requests/s offered in the rate phase")
    parser.add_argument("--clients", type=int, default=32, help="clients in the capacity phase")
    parser.add_argument("--phase", choices=["capacity", "rate", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--log", type=Path, help="append the server's output here")
    args = parser.parse_args()
    on_each_database(lambda label, url: run(label, url, args), None if args.sqlite_only else args.postgres,
                     sqlite=not args.postgres_only)


if __name__ == "__main__":
    main()
