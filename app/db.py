"""Engine and session: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


# Requests that only read (GET, HEAD) begin deferred, so readers never queue behind a writer.
_READ_ONLY_KEY = "besvar_read_only"
READ_ONLY = {_READ_ONLY_KEY: True}
BUSY_TIMEOUT_MS = 30_000


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    """Per-connection SQLite settings: WAL, foreign keys, a wait instead of 'database is locked'."""
    # We issue BEGIN ourselves (_sqlite_begin); pysqlite's own implicit BEGIN is always deferred.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # SQLite's built-in lower() only folds ASCII; ILIKE on "Æblegade" must behave as on PostgreSQL.
    dbapi_conn.create_function("lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)


def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE for anything that may write: it waits for the write lock up front.

    A deferred transaction that has read and then writes fails at once with "database is
    locked" when another process wrote in between; busy_timeout cannot help it then.
    """
    deferred = bool(conn.get_execution_options().get(_READ_ONLY_KEY))
    conn.info["besvar_deferred_read"] = False
    conn.info["besvar_deferred"] = deferred
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _sqlite_guard(conn, _cursor, statement: str, *_args) -> None:
    """Refuse a write after a read in a deferred transaction: under load it is a 500 waiting to happen."""
    if not conn.info.get("besvar_deferred") or statement.startswith(("BEGIN", "PRAGMA")):
        return
    if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        if conn.info.get("besvar_deferred_read"):
            raise WriteInReadTransaction("a GET request wrote after reading; call app.db.start_writing first")
    else:
        conn.info["besvar_deferred_read"] = True


class WriteInReadTransaction(RuntimeError):
    """A programming error: see start_writing."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; creates the SQLite file's folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_guard)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services own the commit of their workflow step."""
    engine = request.app.state.engine
    if request.method in ("GET", "HEAD"):
        engine = engine.execution_options(**READ_ONLY)
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def start_writing(session: Session) -> None:
    """In a read-only request, end the read and begin a transaction that waits for the write lock.

    On SQLite a deferred transaction that has read cannot safely start writing (another process
    may have written since); this one begins IMMEDIATE. Objects the request loaded stay usable.
    """
    session.commit()
    session.connection(execution_options={_READ_ONLY_KEY: False})
