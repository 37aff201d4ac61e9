"""Bench: Overblik's figures at scale, SQLite beside PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/timeliness_speed.py [--inquiries 100000] [--postgres URL] [--seed 7]

The real bank, plus generated inquiries over three years for both seed forvaltninger (received on random working
days, a tenth extended, most answered by an approved letter a few working days to a few weeks later, a few with an
interim reply, the rest open), written in bulk. Timed: the whole period for an admin of Copenhagen (the API's
JSON, grouped by organisation and by month) and one year, beside the XLSX of the same.
"""

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.config import Settings  # noqa: E402
from app.inquiries.deadlines import add_working_days, is_working_day  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Asker, DeadlineChange, Inquiry, Letter, Organisation  # noqa: E402
from app.reports import downloads, service  # noqa: E402
from bench.timing import analyzed, bank_engine, on_each_database, p90, timed  # noqa: E402

TODAY = date(2026, 12, 1)
PASSWORD = "bench-overblik-2026"


def generate(engine, n: int, seed: int) -> float:
    """Write `n` inquiries with their letters and extensions; the seconds it took."""
    rng = random.Random(seed)
    start = time.perf_counter()
    with Session(engine) as session:
        orgs = list(session.exec(select(Organisation).where(col(Organisation.key).in_(["kk-bif", "aalborg-fb"]))))
        askers = []
        for org in orgs:
            for k in range(40):
                asker = Asker(name=f"Medlem {k} ({org.municipality})", municipality=org.municipality)
                session.add(asker)
                askers.append((org, asker))
        session.flush()
        days = [d for d in (date(2024, 1, 1) + timedelta(days=i) for i in range(1065)) if is_working_day(d)]
        base = 10_000_000
        inquiries, letters, changes = [], [], []
        now = datetime.now(UTC)
        for i in range(n):
            org, asker = askers[rng.randrange(len(askers))]
            received = rng.choice(days)
            deadline = add_working_days(received, org.deadline_days)
            state = "besvaret"
            if rng.random() < 0.1:
                later = add_working_days(deadline, 10)
                changes.append({"inquiry_id": base + i, "from_date": deadline, "to_date": later, "reason": "Bidrag",
                                "actor": "bench", "at": datetime.combine(deadline, datetime.min.time(), UTC)})
                deadline = later
            answered = add_working_days(received, rng.choice([3, 5, 8, 10, 12, 15, 25]))
            if answered > TODAY or rng.random() < 0.05:
                state = "ny"
            else:
                letters.append({"inquiry_id": base + i, "kind": "brev", "status": "approved", "title": "Svar", "created_at": now,
                                "approved_at": datetime.combine(answered, datetime.min.time(), UTC).replace(hour=11)})
            if rng.random() < 0.03:
                letters.append({"inquiry_id": base + i, "kind": "foreløbigt", "status": "approved", "title": "Foreløbigt", "created_at": now,
                                "approved_at": datetime.combine(received + timedelta(days=7), datetime.min.time(), UTC)})
            inquiries.append({"id": base + i, "organisation_id": org.id, "title": f"Spørgsmål {i}", "asker_id": asker.id,
                              "received_on": received, "deadline": deadline, "state": state,
                              "status": "answered" if state == "besvaret" else "new", "created_at": now})
        for chunk in range(0, n, 20_000):
            session.execute(insert(Inquiry), inquiries[chunk:chunk + 20_000])
        session.execute(insert(DeadlineChange), changes)
        for chunk in range(0, len(letters), 20_000):
            session.execute(insert(Letter), letters[chunk:chunk + 20_000])
        kk = next(o for o in orgs if o.key == "kk-bif")
        session.commit()
        auth_service.add_user(session, username="bench-admin", role="admin", name="Bench", organisation_id=kk.id,
                              password=PASSWORD)
    return time.perf_counter() - start


def bench(label: str, url: str, n: int, seed: int) -> None:
    engine = bank_engine(url)
    written = generate(engine, n, seed)
    analyzed(engine)
    print(f"\n{label}: {n:,} inquiries written in {written:.1f} s")
    with Session(engine) as session:
        from app.models import User

        admin = session.exec(select(User).where(col(User.username) == "bench-admin")).one()
        cases = {
            "three years, by organisation": (date(2024, 1, 1), TODAY, "organisation"),
            "three years, by month": (date(2024, 1, 1), TODAY, "month"),
            "2026, by asker": (date(2026, 1, 1), TODAY, "asker"),
        }
        for name, (start, end, group) in cases.items():
            times = sorted(timed(lambda s=start, e=end, g=group: service.report_for(session, admin, start=s, end=e, group_by=g,
                                                                                 today=TODAY), 5))
            report = service.report_for(session, admin, start=start, end=end, group_by=group, today=TODAY)
            print(f"  {name:32} {report.total.received:>7,} inquiries  median {times[2]:7.0f} ms  p90 {p90(times):7.0f} ms")
        report = service.report_for(session, admin, start=date(2024, 1, 1), end=TODAY, group_by="month", today=TODAY)
        times = sorted(timed(lambda: downloads.as_xlsx(report), 5))
        print(f"  {'XLSX of three years by month':32} {'':>7}              median {times[2]:7.0f} ms (after the report)")
    client = TestClient(create_app(Settings(database_url=url), engine=engine), base_url="https://testserver")
    assert client.post("/login", data={"username": "bench-admin", "password": PASSWORD}).status_code == 200
    with Session(engine) as session:
        token = auth_service.create_token(session, username="bench-admin")
    with time_machine.travel(datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=10), tick=True):
        for name, path in (("page /overblik (this year)", "/overblik"),
                           ("page /overblik, three years", "/overblik?fra=2024-01-01&til=2026-12-01&gruppe=enhed"),
                           ("API JSON, this year by unit", "/api/v1/reports/timeliness?group_by=unit"),
                           ("API XLSX, three years by month",
                            "/api/v1/reports/timeliness?from=2024-01-01&group_by=month&format=xlsx")):
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            times = sorted(timed(lambda p=path, h=headers: client.get(p, headers=h).raise_for_status(), 5))
            print(f"  {name:40}        median {times[2]:7.0f} ms  p90 {p90(times):7.0f} ms (HTTP, whole request)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inquiries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    on_each_database(lambda label, url: bench(label, url, args.inquiries, args.seed), args.postgres)


if __name__ == "__main__":
    main()
