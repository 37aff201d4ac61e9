"""Renders run in processes of their own: they come back when killed and never outlive their worker."""

import json
import os
import signal
import time
from pathlib import Path

import pytest

from app.errors import Unavailable
from app.rendering import pool
from app.migrate import upgrade
from tests import server
from tests.test_crash import _drafts


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent to collect it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_a_killed_render_process_is_replaced_and_the_render_answered(api):
    """The OOM killer takes a render process: the next render starts a new one instead of failing."""
    letter_id, _questions = _drafts(api, 1)[0]
    assert api.get(f"/api/v1/letters/{letter_id}/document.pdf").status_code == 200
    renderers = server.spawned(os.getpid())
    assert renderers
    for pid in renderers:
        os.kill(pid, signal.SIGKILL)
    assert _wait_gone(renderers) == []

    for fmt in ("pdf", "docx", "pdf"):
        response = api.get(f"/api/v1/letters/{letter_id}/document.{fmt}")
        assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    assert set(server.spawned(os.getpid())).isdisjoint(renderers)


def test_render_processes_end_with_their_worker_however_it_ends(tmp_path):
    """A clean stop ends them after the worker; a worker killed outright does not leave them behind."""
    url = f"sqlite:///{tmp_path}/besvar.db"
    upgrade(url)

    srv = server.start(url, workers=1, log=tmp_path / "server.log")
    renderers = server.spawned(srv.process.pid)  # started and warmed before the server answers
    assert renderers
    os.killpg(srv.process.pid, signal.SIGTERM)  # as systemd or Ctrl-C: the whole group gets it
    # The render processes ignore it and let the worker end them (uvicorn passes the signal on in
    # its exit status after a graceful stop).
    assert srv.process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "server.log").read_text()
    assert _wait_gone(renderers) == []

    srv = server.start(url, workers=1, log=tmp_path / "server.log")
    renderers = server.spawned(srv.process.pid)
    assert renderers
    os.kill(srv.process.pid, signal.SIGKILL)  # the worker alone, not its group
    srv.process.wait(timeout=30)
    try:
        assert _wait_gone(renderers) == []
    finally:
        srv.kill()


def test_a_render_past_its_time_limit_is_ended_not_only_abandoned(api):
    """The 503 comes at the limit, and the process doing the work is gone instead of burning a core for minutes."""
    pool.warm_up()
    before = pool.RENDERERS.pids()
    assert before
    with pytest.raises(Unavailable, match="in time"):
        pool.run(time.sleep, 120, timeout=0.5)
    assert _wait_gone(before, seconds=10) == []
    assert pool.run(abs, -3, timeout=30) == 3  # a new process takes the next render


def _corpus_letter(api, entry: dict) -> int:
    """A draft holding the corpus entry's blocks (tests/corpus/letters.json), its statistic made first."""
    stat = entry["statistic"]
    label = (stat["label_repeat"] * (stat["label_length"] // len(stat["label_repeat"]) + 1))[:stat["label_length"]]
    made = api.post("/api/v1/statistics", json={"key": stat["key"], "label": label, "source": "Test", "organisation": "kk-bif",
                                                  "values": [{"period": "2024-01", "value": 1}]})
    assert made.status_code in (201, 409), made.text
    letter_id, questions = _drafts(api, 1)[0]
    blocks = [{"text": b["repeat"] * b["times"]} for b in entry["blocks"]]
    saved = api.put(f"/api/v1/letters/{letter_id}", json={"version": 1, "answers": [
        {"question_id": q, "blocks": blocks if n == 0 else [{"text": "Svar."}]} for n, q in enumerate(questions)]})
    assert saved.status_code == 200, saved.text
    return letter_id


LETTERS = json.loads((Path(__file__).parent / "corpus" / "letters.json").read_text())["letters"]


@pytest.mark.parametrize("entry", LETTERS, ids=[e["name"] for e in LETTERS])
def test_costly_letters_are_refused_at_preview_and_submit(api, entry):
    """Placeholders are counted as they will be drawn: a 4xx at once, instead of minutes of rendering."""
    letter_id = _corpus_letter(api, entry)
    for fmt in ("pdf", "docx"):
        r = api.get(f"/api/v1/letters/{letter_id}/document.{fmt}")
        assert r.status_code == entry["status"] and "with its figures filled in the letter holds" in r.text, r.text[:300]
    submit = api.post(f"/api/v1/letters/{letter_id}/submit", json={})
    assert submit.status_code == entry["status"] and "characters" in submit.text
    assert api.get(f"/api/v1/letters/{letter_id}").json()["status"] == "draft"
