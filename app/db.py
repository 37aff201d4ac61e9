"""Engine and session: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

import fcntl
import os
import select
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, SQLModel, create_engine

Row = TypeVar("Row", bound=SQLModel)

# Requests that only read (GET, HEAD) begin deferred on SQLite, so readers never queue behind a
# writer, and run without a transaction on PostgreSQL (see read_only).
_READ_ONLY_KEY = "besvar_read_only"
READ_ONLY = {_READ_ONLY_KEY: True}
BUSY_TIMEOUT_MS = 30_000


def read_only(bind: Engine | Connection) -> dict:
    """Execution options for work that only reads, on `bind`'s kind of database.

    PostgreSQL runs each statement of a READ COMMITTED transaction on a snapshot of its own, so a
    transaction around reads adds no consistency, only a BEGIN and a COMMIT: two round trips, a
    sixth of a typical read request's. Reads there run in autocommit instead; writes still need
    start_writing (the guard below refuses them).
    """
    if bind.dialect.name == "postgresql":
        return {**READ_ONLY, "isolation_level": "AUTOCOMMIT"}
    return READ_ONLY


def _writing(bind: Engine | Connection) -> dict:
    """Execution options that begin a write transaction."""
    if bind.dialect.name == "postgresql":
        return {_READ_ONLY_KEY: False, "isolation_level": bind.dialect.default_isolation_level}
    return {_READ_ONLY_KEY: False}


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
    if not deferred:
        _take_writer_turn(conn.info)
    try:
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
    except BaseException:
        _end_writer_turn(conn.info)
        raise


_WRITER_FD = "besvar_writer_fd"
_WRITER_TURN = "besvar_writer_turn"


# SQLite's own wait for its write lock polls, sleeping up to 100 ms between tries, so under load
# a writer can lose to newer ones for seconds. Besvar's writers first queue on a file lock next to
# the database, where the kernel wakes the next one the moment the last lets go; BEGIN IMMEDIATE
# then finds the lock free. Each connection has its own open file, so threads queue too. Other
# programs writing the file still meet busy_timeout. The kernel drops the lock of a dead process.
def _writer_lock_listeners(engine: Engine, database: str) -> None:
    """Open a writer-queue file per connection; close it with the connection."""
    lock_path = f"{database}-writers"

    def open_lock(_dbapi_conn, record) -> None:
        _end_writer_turn(record.info)
        if _WRITER_FD not in record.info:
            record.info[_WRITER_FD] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    def close_lock(_dbapi_conn, record) -> None:
        _end_writer_turn(record.info)
        fd = record.info.pop(_WRITER_FD, None)
        if fd is not None:
            os.close(fd)

    event.listen(engine, "connect", open_lock)
    event.listen(engine, "close", close_lock)
    # The turn ends when the connection goes back to the pool, after its COMMIT or ROLLBACK has
    # run (the commit and rollback events come before them). A session gives its connection back
    # at every commit, so a request holds its turn exactly as long as its write transaction.
    event.listen(engine, "checkin", lambda _dbapi_conn, record: _end_writer_turn(record.info))


def _take_writer_turn(info: dict) -> None:
    fd = info.get(_WRITER_FD)
    if fd is not None and not info.get(_WRITER_TURN):
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks in the kernel, without the GIL
        info[_WRITER_TURN] = True


def _end_writer_turn(info: dict) -> None:
    if info.pop(_WRITER_TURN, False):
        fcntl.flock(info[_WRITER_FD], fcntl.LOCK_UN)


def _writes(statement: str) -> bool:
    """Whether `statement` changes rows."""
    return statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


def _sqlite_guard(conn, _cursor, statement: str, *_args) -> None:
    """Refuse a write after a read in a deferred transaction: under load it is a 500 waiting to happen."""
    if not conn.info.get("besvar_deferred") or statement.startswith(("BEGIN", "PRAGMA")):
        return
    if _writes(statement):
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
        database = parsed.database or ""
        on_disk = database not in ("", ":memory:")
        if on_disk:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Keep connections for the worker threads: opening one anew per request costs its PRAGMAs
        # every time. (An in-memory database has one connection per thread, no pool to size.)
        pool = {"pool_size": 20, "max_overflow": 20} if on_disk else {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_on_connect)
        if on_disk:
            _writer_lock_listeners(engine, database)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_guard)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    event.listen(engine, "checkout", _pg_checkout)
    event.listen(engine, "before_cursor_execute", _pg_guard)
    return engine


def _pg_checkout(dbapi_conn, _record, _proxy) -> None:
    """Replace a pooled connection the server has closed (restart, idle timeout, terminated).

    An idle connection of ours has nothing to read: we never LISTEN, and the server sends only
    when asked. A readable socket is the server's goodbye, or its end of file. Checking that costs
    no round trip, where the usual pre-ping (SELECT 1) cost one per checkout, two per request.
    """
    if dbapi_conn.closed or select.select([dbapi_conn.fileno()], [], [], 0)[0]:
        raise DisconnectionError("the server closed this pooled connection")  # the pool connects anew


def _pg_guard(conn, _cursor, statement: str, *_args) -> None:
    """Refuse a write in autocommit reading: each of its statements would commit on its own."""
    if conn.get_execution_options().get(_READ_ONLY_KEY) and _writes(statement):
        raise WriteInReadTransaction("a read-only request wrote; call app.db.start_writing first")


class RequestSession(Session):
    """A request's session: once its write transaction commits, what the request does after only reads.

    Workflow steps write in one transaction; the response is then read back. On SQLite that read
    must not queue for the write lock again.
    """

    def __init__(self, bind: Engine, read_bind: Engine, **kwargs) -> None:
        super().__init__(bind, **kwargs)
        self.read_bind = read_bind  # bind with read_only() options, made once per app (create_app)

    def commit(self) -> None:
        super().commit()
        self.bind = self.read_bind


async def get_session(request: Request) -> AsyncIterator[RequestSession]:
    """One session per request; services own the commit of their workflow step.

    Async so that opening it costs no trip to a worker thread (a Session connects lazily, in
    the handler's thread). Closing ends the transaction: instant on SQLite, a round trip on
    PostgreSQL, which therefore closes in a thread.
    """
    # The read-only engine is made once (create_app): making one costs more than a short query.
    read_engine = request.app.state.read_engine
    engine = read_engine if request.method in ("GET", "HEAD") else request.app.state.engine
    session = RequestSession(engine, read_engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if engine.dialect.name == "sqlite" or not session.in_transaction():
            session.close()
        else:
            await run_in_threadpool(session.close)


def end_transaction(session: Session, *, discard: bool = False) -> None:
    """End the session's transaction and give back its connection, keeping loaded objects readable."""
    if not session.in_transaction():
        return
    if discard or session.new or session.dirty or session.deleted:
        # What a failed (or uncommitted) step changed is thrown away. Detached first, so that the
        # error page can still read the user it shows, rather than have rollback expire them.
        session.expunge_all()
        session.rollback()
    else:
        Session.commit(session)  # only reads are open: nothing is written


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """Run the block in a transaction of its own that only reads (unless it calls start_writing), and end it.

    For request dependencies such as the page login check: the handler's write transaction then begins
    and ends within the handler's own thread, never held while the request waits for one.
    """
    if not session.in_transaction():
        session.connection(execution_options=read_only(session.get_bind()))
    yield
    end_transaction(session)  # not RequestSession.commit: the request's own writing is still to come


@contextmanager
def read_connection(session: RequestSession) -> Iterator[Connection]:
    """A read-only connection of the session's database for a read of its own, without the session's bookkeeping.

    For the login check before every request: a session transaction costs more than the query.
    """
    with session.read_bind.connect() as conn:
        yield conn


@contextmanager
def writing_apart(session: Session) -> Iterator[Connection]:
    """A write transaction of its own on the session's database, committed at the end of the block.

    For bookkeeping beside a request, such as a login session's touch: ending the request's own
    transaction for it would send the request's later writes to the read-only engine.
    """
    bind = session.get_bind()
    assert isinstance(bind, Engine)  # sessions are bound to engines, never to one connection
    with bind.connect() as conn:
        conn.execution_options(**_writing(bind))
        with conn.begin():
            yield conn


SessionDep = Annotated[RequestSession, Depends(get_session)]


def start_writing(session: Session) -> None:
    """In a read-only request, end the read and begin a transaction that waits for the write lock.

    On SQLite a deferred transaction that has read cannot safely start writing (another process
    may have written since); this one begins IMMEDIATE. Objects the request loaded stay usable.
    """
    session.commit()
    session.connection(execution_options=_writing(session.get_bind()))


def stored(session: Session, model: type[Row], row_id: int | None) -> Row:
    """The row a foreign key points to; its absence is a broken database, not a user's mistake."""
    row = session.get(model, row_id) if row_id is not None else None
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} is referenced but not stored")
    return row
