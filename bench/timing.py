"""Timing helpers shared by the bench scripts."""

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


def timed(fn, rounds: int) -> list[float]:
    """Milliseconds of `rounds` calls of `fn`."""
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p90(values: list[float]) -> float:
    """The 90th percentile."""
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str | None]:
    """A throwaway schema on the PostgreSQL at `base_url` (its URL), or None (with a note) when there is none."""
    schema = f"besvar_bench_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(base_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        print(f"PostgreSQL: not measured ({exc.__class__.__name__}: no server at {base_url})")
        yield None
        return
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def on_each_database(run: Callable[[str, str], None], postgres_url: str | None, *,
                     sqlite_label: str = "SQLite (WAL, file)", sqlite: bool = True) -> None:
    """`run(label, url)` on a throwaway SQLite file, then on a throwaway PostgreSQL schema (None: SQLite only)."""
    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(sqlite_label, f"sqlite:///{tmp}/bench.db")
    if postgres_url is None:
        return
    with postgres_schema(postgres_url) as url:
        if url:
            run("PostgreSQL", url)


def bank_engine(url: str):
    """The database at `url` migrated, with the real question bank imported: where a bench generates its rows."""
    from pathlib import Path

    from app.bank.service import import_path
    from app.db import make_engine
    from app.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, Path(__file__).resolve().parent.parent / "question_bank"))
    return engine


def analyzed(engine) -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: statistics for the planner."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
