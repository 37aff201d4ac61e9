"""Sessions and connections: reads without a transaction on PostgreSQL, the writer guard, dead connections."""

import time

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlmodel import Session

from app.db import WriteInReadTransaction, make_engine, read_only, start_writing
from app.models import Organisation
from app.sql import in_list


def _organisations(engine) -> list[str]:
    with engine.connect() as conn:
        return [key for (key,) in conn.execute(text("SELECT key FROM organisation ORDER BY key"))]


def test_a_read_only_request_writes_only_after_start_writing(engine):
    """A read that goes on to write must say so first; the write then lands whole."""
    session = Session(engine.execution_options(**read_only(engine)), expire_on_commit=False)
    session.execute(text("SELECT count(*) FROM organisation")).scalar_one()
    session.add(Organisation(key="kbh", name="Københavns Kommune", municipality="København"))
    with pytest.raises(WriteInReadTransaction):
        session.flush()
    session.rollback()
    assert _organisations(engine) == []

    session.execute(text("SELECT count(*) FROM organisation")).scalar_one()
    start_writing(session)
    session.add(Organisation(key="kbh", name="Københavns Kommune", municipality="København"))
    session.add(Organisation(key="aal", name="Aalborg Kommune", municipality="Aalborg"))
    session.commit()
    session.close()
    assert _organisations(engine) == ["aal", "kbh"]


def test_reads_on_postgresql_open_no_transaction(postgres_url):
    """Under READ COMMITTED a transaction around reads adds only BEGIN and COMMIT round trips."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**read_only(engine))
            conn.execute(text("SELECT 1")).scalar_one()
            assert conn.connection.dbapi_connection.info.transaction_status.name == "IDLE"
        with engine.begin() as conn:  # writes still get their transaction
            conn.execute(text("SELECT 1")).scalar_one()
            assert conn.connection.dbapi_connection.info.transaction_status.name == "INTRANS"
    finally:
        engine.dispose()


def test_a_connection_the_server_closed_is_replaced_unseen(postgres_url):
    """A pooled connection PostgreSQL has closed (restart, idle timeout) is not handed out again."""
    engine = make_engine(postgres_url)
    admin = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            for _ in range(100):  # until the backend has gone and its socket closed
                if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar_one():
                    break
                time.sleep(0.05)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
        admin.dispose()


def test_in_list_matches_like_in_for_any_length_with_one_statement(engine):
    """in_list finds what IN would, for no, one or 40,000 values, numbers or text, always by the same SQL."""
    with Session(engine) as session:
        session.add_all([Organisation(key=f"o{i}", name=f"Org {i}", municipality="By") for i in range(5)])
        session.add(Organisation(key="k" * 100, name="Lang nøgle", municipality="By"))  # the column's full length
        session.commit()
        ids = {key: oid for oid, key in session.execute(select(Organisation.id, Organisation.key))}
    org = Organisation.__table__.c
    by_key = select(org.key).where(in_list(org.key, "keys")).order_by(org.key)
    by_id = select(org.key).where(in_list(org.id, "ids")).order_by(org.key)
    sent = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statement.startswith("SELECT") and sent.append(statement))
    many = [f"x{i}" for i in range(40_000)] + ["o4"]  # past SQLite's limit of bound values for IN (...)
    with engine.connect() as conn:
        assert list(conn.scalars(by_key, {"keys": []})) == []
        assert list(conn.scalars(by_key, {"keys": ["o1"]})) == ["o1"]
        assert list(conn.scalars(by_key, {"keys": ["o3", "o1", "ukendt", "o1"]})) == ["o1", "o3"]
        assert list(conn.scalars(by_key, {"keys": many})) == ["o4"]
        assert list(conn.scalars(by_key, {"keys": ["o'1", "Ø\"2", "%"]})) == []  # values, never SQL
        assert list(conn.scalars(by_key, {"keys": ["k" * 101]})) == []  # not cut to the column's length first
        assert list(conn.scalars(by_id, {"ids": [ids["o2"], ids["o0"], -1]})) == ["o0", "o2"]
    assert len(set(sent)) == 2  # one text per statement, whatever the number of values
