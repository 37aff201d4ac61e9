"""Small uploads that cost minutes and gigabytes: bounded by what they ask for, read in a limited process."""

import json
from functools import partial
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app.bank.old_letters import reading, sandbox
from app.models import Inquiry, Paragraph
from app.processes import Processes, process_start
from tests.hostile_files import MAKERS, shared_stream_pdf
from tests.test_old_letters import DOCX_MIME
from tests.test_render_processes import _alive, _wait_gone
from tests.test_web import csrf_of

UPLOADS = json.loads((Path(__file__).parent / "corpus" / "uploads.json").read_text())["uploads"]


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Inquiry)).one(),
                session.exec(select(func.count()).select_from(Paragraph)).one())


@pytest.mark.parametrize("entry", UPLOADS, ids=[u["name"] for u in UPLOADS])
def test_costly_uploads_are_refused_by_what_they_ask_for(api, web, seeded, entry):
    data = MAKERS[entry["maker"]]()
    before = _counts(seeded)
    r = api.client.post("/api/v1/imports", headers=api.headers(), files=[("files", (entry["name"], data, DOCX_MIME))])
    assert r.status_code == 422 and entry["says"] in r.text, r.text[:300]
    c = web("drafter")
    page = c.post("/bibliotek/import", data={"csrf": csrf_of(c, "/bibliotek/import")},
                  files=[("files", (entry["name"], data, DOCX_MIME))])
    assert page.status_code == 422 and entry["says"] in page.text and '<html lang="da">' in page.text
    assert _counts(seeded) == before


def test_a_file_within_the_counts_but_slow_to_read_is_stopped_by_its_cpu_limit():
    """Three pages of 1.3 MB content: under the byte count, 18 s of pypdf in a worker; the reader is ended at 5 s."""
    data = shared_stream_pdf(pages=3, stream_bytes=1_300_000)
    sandbox.READERS.warm_up()
    before = sandbox.READERS.pids()
    with pytest.raises(reading.UnreadableFile, match="tager for lang tid"):
        sandbox.read("tung.pdf", data)
    assert _wait_gone(before, seconds=10) == []
    assert all(not _alive(pid) for pid in before)
    # The next, ordinary file is read by a new reader.
    with pytest.raises(reading.UnreadableFile, match="hverken DOCX eller PDF"):
        sandbox.read("tekst.txt", b"Bare tekst")


def _hog(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_a_reader_past_its_memory_limit_gets_memory_error_not_the_machine():
    small = Processes("test", 1, partial(process_start, None, 600 * 1024 * 1024))
    try:
        assert small.run(_hog, 10, timeout=30) == 10 * 1024 * 1024
        with pytest.raises(MemoryError):
            small.run(_hog, 900, timeout=30)
        assert small.run(_hog, 10, timeout=30) == 10 * 1024 * 1024  # the same process goes on
    finally:
        small.shutdown()
