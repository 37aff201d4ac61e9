"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

A live SQLite database in WAL mode is never copied as files (the -wal file holds committed
writes the main file does not have yet); the backup API copies a consistent snapshot while the
service keeps running. PostgreSQL backups are pg_dump's custom format, restored with pg_restore.
"""

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine, func, select

from app.audit import service as audit_service
from app.db import make_engine
from app.models import AuditEntry, Inquiry, Letter, Paragraph

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Summary:
    """What a database holds, to compare before and after."""

    inquiries: int
    letters: int
    paragraphs: int
    audit_entries: int
    audit_ok: bool

    def line(self) -> str:
        chain = "intact" if self.audit_ok else "BROKEN"
        return (f"{self.inquiries} inquiries, {self.letters} letters, {self.paragraphs} paragraphs, "
                f"{self.audit_entries} audit entries (chain {chain})")


def summary(url: str) -> Summary:
    """Counts of the main records and whether the audit chain verifies."""
    # A plain engine: make_engine would switch a SQLite backup file to WAL just by opening it.
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            def count(model):
                return session.exec(select(func.count()).select_from(model)).one()
            return Summary(count(Inquiry), count(Letter), count(Paragraph), count(AuditEntry),
                           audit_service.verify(session).ok)
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(database)


def _pg_args(url: str) -> tuple[str, list[str]]:
    """A libpq connection string for pg_dump/pg_restore, and a --schema for a non-default search_path."""
    parsed = make_url(url)
    raw = parsed.query.get("options")
    schema = [f"--schema={raw.split('=', 1)[1]}"] if isinstance(raw, str) and raw.startswith("-csearch_path=") else []
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False), schema


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return path


def backup(url: str, target: Path) -> Summary:
    """Write a consistent backup of the database at `url` to `target` (written whole or not at all)."""
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # the online backup API: a snapshot, while others keep writing
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed its integrity check")
        finally:
            copy.close()
            source.close()
    elif backend == "postgresql":
        conninfo, schema = _pg_args(url)
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", *schema, f"--file={partial}",
                               f"--dbname={conninfo}"], check=False, capture_output=True, text=True)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"cannot back up a {backend} database")
    partial.replace(target)
    return summary(url) if backend == "postgresql" else summary(f"sqlite:///{target}")


def _holds_data(url: str) -> bool:
    engine = make_engine(url)
    try:
        return "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(url: str, source: Path, *, force: bool = False) -> Summary:
    """Replace the database at `url` with the backup in `source`; refuses to overwrite data unless `force`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    with source.open("rb") as f:
        head = f.read(16)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} is not a SQLite backup")
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            besvar = check.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        except sqlite3.DatabaseError:
            healthy = False
        finally:
            check.close()
        if not healthy:
            raise BackupError(f"{source} is damaged (integrity check failed); nothing was restored")
        if not besvar:
            raise BackupError(f"{source} is not a Besvar database")
        target_path = _sqlite_path(url)
        if target_path.exists() and _holds_data(url) and not force:
            raise BackupError(f"{target_path} holds a database; add --force to replace it")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target_path, timeout=30)
        try:
            dst.execute("PRAGMA journal_mode=WAL")
            src.backup(dst)  # page by page under the target's lock, so a reader never sees half of it
        finally:
            dst.close()
            src.close()
    elif backend == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        if _holds_data(url) and not force:
            raise BackupError("the database holds Besvar data; add --force to replace it")
        conninfo, _schema = _pg_args(url)
        done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", f"--dbname={conninfo}", str(source)], check=False,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed, nothing was changed: {done.stderr.strip()}")
    else:
        raise BackupError(f"cannot restore a {backend} database")
    return summary(url)
