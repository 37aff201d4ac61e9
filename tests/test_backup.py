"""Backup and restore drill: data written, backed up, the database destroyed, restored, everything there."""

import hashlib
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, update

from app.backup import summary
from app.models import Inquiry
from tests.test_bank_import import _besvar
from tests.test_exports import approve_seed
from tests.test_api_inquiries import _new


def _destroy(database_url: str, engine) -> None:
    """Gone: the SQLite file with its WAL, or the PostgreSQL schema with everything in it."""
    engine.dispose()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    schema = url.query["options"].split("=", 1)[1]
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_backup_destroy_restore_drill(api, seeded, database_url, tmp_path):
    lid = approve_seed(api)
    pdf = api.get(f"/api/v1/letters/{lid}/document.pdf").content
    before = summary(database_url)
    assert before.letters >= 1 and before.audit_ok
    file = tmp_path / "besvar.backup"
    made = _besvar(["backup", "--to", str(file)], database_url)
    assert made.returncode == 0, made.stderr
    assert before.line() in made.stdout
    # Written after the backup: the restore goes back to the backup's moment.
    assert api.post("/api/v1/inquiries", json=_new()).status_code == 201
    _destroy(database_url, seeded)
    restored = _besvar(["restore", str(file)], database_url)
    assert restored.returncode == 0, restored.stderr
    assert summary(database_url) == before
    api.client.app.state.engine.dispose()
    again = api.get(f"/api/v1/letters/{lid}/document.pdf")
    assert again.status_code == 200 and hashlib.sha256(again.content).digest() == hashlib.sha256(pdf).digest()
    audit = _besvar(["audit", "verify"], database_url)
    assert audit.returncode == 0 and f"{before.audit_entries} entries" in audit.stdout


def test_restore_refuses_to_overwrite_and_bad_files(api, seeded, database_url, tmp_path):
    file = tmp_path / "b.backup"
    assert _besvar(["backup", "--to", str(file)], database_url).returncode == 0
    assert api.post("/api/v1/inquiries", json=_new()).status_code == 201
    before = summary(database_url)
    over = _besvar(["restore", str(file)], database_url)
    assert over.returncode == 2 and "--force" in over.stderr
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"not a backup at all" * 100)
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    for bad in (garbage, truncated, tmp_path / "missing.backup"):
        refused = _besvar(["restore", "--force", str(bad)], database_url)
        assert refused.returncode == 2 and refused.stderr.startswith("besvar: "), (bad, refused.stderr)
    assert summary(database_url) == before  # nothing changed by any refusal
    forced = _besvar(["restore", "--force", str(file)], database_url)
    assert forced.returncode == 0, forced.stderr
    assert summary(database_url).inquiries == before.inquiries - 1


def test_backup_runs_while_a_write_is_open(sqlite_seeded, tmp_path):
    """The online backup copies what is committed; an open write transaction neither blocks nor leaks into it."""
    url = str(sqlite_seeded.url)
    committed = summary(url)
    with Session(sqlite_seeded) as session:
        session.exec(update(Inquiry).values(title="Ikke committet"))
        session.flush()
        made = _besvar(["backup", "--to", str(tmp_path / "live.backup")], url)
        session.rollback()
    assert made.returncode == 0, made.stderr
    assert summary(f"sqlite:///{tmp_path / 'live.backup'}") == committed
    folder = _besvar(["backup", "--to", str(tmp_path)], url)
    assert folder.returncode == 2 and "folder" in folder.stderr
