"""Bench: question bank import and the main reads, SQLite beside PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/bank_import.py [--postgres URL] [--rounds N]
"""

import argparse
import statistics
import sys
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
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
from bench.timing import on_each_database, timed  # noqa: E402



def _row(name: str, ms: list[float]) -> str:
    return f"  {name:38} median {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms   ({len(ms)} runs)"


def bench(label: str, url: str, rounds: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    print(f"{label}:")
    first = timed(lambda: import_path(engine, ROOT / "question_bank"), 1)
    print(_row("bank import, empty database", first))
    print(_row("bank import again (nothing changes)", timed(lambda: import_path(engine, ROOT / "question_bank"), rounds)))
    with Session(engine) as session:
        auth_service.add_user(session, username=f"bench-{uuid.uuid4().hex[:6]}", role="drafter", name="Bench",
                              units=bank_units("drafter"))
        user = session.exec(text("SELECT username FROM \"user\" ORDER BY id DESC LIMIT 1")).scalar()
        token = auth_service.create_token(session, username=user)
    client = TestClient(create_app(Settings(database_url=url), engine=engine))
    headers = {"Authorization": f"Bearer {token}"}
    para = client.get("/api/v1/paragraphs", params={"q": "kontanthjælpssager"}, headers=headers).json()["items"][0]["id"]
    for name, path in [
        ("GET /api/v1/inquiries", "/api/v1/inquiries"),
        ("GET /api/v1/paragraphs?q=sygedagpenge", "/api/v1/paragraphs?q=sygedagpenge"),
        ("GET /api/v1/paragraphs/{id} (figures)", f"/api/v1/paragraphs/{para}"),
    ]:
        print(_row(name, timed(lambda p=path: client.get(p, headers=headers), rounds * 10)))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    on_each_database(lambda label, url: bench(label, url, args.rounds), args.postgres)


if __name__ == "__main__":
    main()
