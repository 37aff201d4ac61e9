"""More requests at once than worker threads and pooled connections; SQLite's queue of writers."""

import asyncio
import os
import threading
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import make_engine
from app.migrate import upgrade
from app.rendering import context
from tests import server
from tests.test_crash import _drafts

BURST = 300  # well past anyio's 40 worker threads and the pool's 5 + 10 connections per process


def test_a_burst_past_the_threads_and_the_pool_is_answered(api, seeded):
    """Every request is answered and every connection goes back, whatever waits for what.

    A handler that kept its connection while FastAPI fetched a thread to check its response let
    all threads wait for connections held by requests waiting for threads: after 30 s, 500s.
    """
    letters = _drafts(api, 10)
    headers = api.headers("drafter")

    async def one(client: httpx.AsyncClient, n: int) -> int:
        letter_id, questions = letters[n % len(letters)]
        if n % 10 == 0:
            return (await client.get("/api/v1/inquiries", params={"limit": 50}, headers=headers)).status_code
        if n % 10 == 1:
            return (await client.get("/api/v1/suggestions", params={"q": "ventetid"}, headers=headers)).status_code
        if n % 10 == 2 and n < len(letters) * 10:  # one save per letter, so none conflicts with another
            letter_id, questions = letters[n // 10]
            body = {"version": 1, "answers": [{"question_id": questions[0], "blocks": [{"text": f"Svar {n}"}]}]}
            return (await client.put(f"/api/v1/letters/{letter_id}", json=body, headers=headers)).status_code
        return (await client.get(f"/api/v1/letters/{letter_id}", headers=headers)).status_code

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120) as client:
            return await asyncio.wait_for(asyncio.gather(*[one(client, n) for n in range(BURST)]), 120)

    statuses = asyncio.run(burst())
    assert sorted(set(statuses)) == [200], {s: statuses.count(s) for s in set(statuses)}
    assert seeded.pool.checkedout() == 0


@pytest.mark.parametrize("how", ["commit", "error"])
def test_sqlite_writers_take_turns_and_every_way_out_ends_the_turn(tmp_path, how):
    """A second writer waits for the first to finish, and gets its turn however the first ended."""
    engine = make_engine(f"sqlite:///{tmp_path}/queue.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    first = Session(engine)
    first.execute(text("INSERT INTO t VALUES (1)"))  # holds the turn: BEGIN IMMEDIATE
    second_done = threading.Event()

    def second() -> None:
        with Session(engine) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not second_done.wait(0.5)  # queued behind the first
    if how == "commit":
        first.commit()
    else:
        first.rollback()
    assert second_done.wait(30)
    thread.join()
    first.close()
    with engine.connect() as conn:
        rows = sorted(x for (x,) in conn.execute(text("SELECT x FROM t")))
    assert rows == ([1, 2] if how == "commit" else [2])
    # Nothing holds the turn now: a third writer goes straight through.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (3)"))
    assert (tmp_path / "queue.db-writers").exists()
    engine.dispose()


def _established_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established TCP connections on `port` each process holds (from /proc)."""
    inodes = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes[fields[9]] = True
    counts = {}
    for pid in pids:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir() if fd.is_symlink()]
        counts[pid] = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
    return counts


def test_each_worker_gets_a_share_of_the_connections(tmp_path):
    """Keep-alive connections opened in a burst land on both workers, not all on the first to wake."""
    url = f"sqlite:///{tmp_path}/besvar.db"
    upgrade(url)
    with server.running(url, workers=2, log=tmp_path / "server.log") as srv:
        port = int(srv.url.rsplit(":", 1)[1])
        workers = server.spawned(srv.process.pid)

        async def connect_all() -> dict[int, int]:
            clients = [httpx.AsyncClient(base_url=srv.url) for _ in range(32)]
            try:
                await asyncio.gather(*[c.get("/healthz") for c in clients])  # all at once, as a burst
                return _established_by_process(workers, port)
            finally:
                await asyncio.gather(*[c.aclose() for c in clients])

        # Three bursts: with one shared socket, a burst often all lands on one worker.
        bursts = [asyncio.run(connect_all()) for _ in range(3)]
    assert len(workers) == 2 and all(sum(counts.values()) == 32 for counts in bursts), bursts
    assert all(min(counts.values()) > 0 for counts in bursts), bursts  # 3 × 2 × 2^-32 that the kernel would not


def test_a_long_step_does_not_hold_up_quick_requests(api, monkeypatch):
    """With one request thread, a render that takes its time leaves the inbox answering.

    Long steps run in threads of their own (app.routing.long_running); in the request threads a
    render would hold one for its whole length and every quick request would wait behind it.
    """
    letter_id, _questions = _drafts(api, 1)[0]
    headers = api.headers("drafter")
    started, release = threading.Event(), threading.Event()
    real_build = context.build

    def slow_build(*args, **kwargs):  # the render's step in the worker; the rendering itself is a process's
        started.set()
        release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(context, "build", slow_build)

    async def both() -> tuple[int, int, bool]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1  # this event loop's only
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
            render = asyncio.create_task(client.get(f"/api/v1/letters/{letter_id}/document.pdf", headers=headers))
            try:
                while not started.is_set():
                    await asyncio.sleep(0.01)
                inbox = await asyncio.wait_for(client.get("/api/v1/inquiries", headers=headers), 20)
                still_rendering = not render.done()
            finally:
                release.set()
            return inbox.status_code, (await render).status_code, still_rendering

    inbox_status, render_status, still_rendering = asyncio.run(both())
    assert (inbox_status, render_status, still_rendering) == (200, 200, True)
