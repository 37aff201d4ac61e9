"""Bench: export 500 approved letters to a drop folder, on SQLite and PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/export.py [--letters 500] [--postgres URL]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.approval import service as approval_service  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.organisations.structure import bank_units  # noqa: E402
from app.bank.service import import_path  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.exports import service as export_service  # noqa: E402
from app.letters.schemas import ApproveIn, SubmitIn  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from bench.timing import on_each_database  # noqa: E402
from app.models import Letter, LetterBlock, LetterDocument  # noqa: E402


def prepare(url: str, letters: int) -> None:
    """The bank, one letter approved for real, and `letters` copies of it (rows copied, not re-rendered)."""
    upgrade(url)
    engine = make_engine(url)
    import_path(engine, ROOT / "question_bank")
    with Session(engine) as session:
        drafter = auth_service.add_user(session, username="bench-d", role="drafter", name="D", units=bank_units("drafter"))
        approver = auth_service.add_user(session, username="bench-a", role="approver", name="A", title="Direktør",
                                         units=bank_units("approver"))
        letter = session.exec(select(Letter).where(Letter.kind == "notat")).first()
        submitted = approval_service.submit(session, letter_id=letter.id, data=SubmitIn(), user=drafter)
        approval_service.approve(session, letter_id=letter.id, data=ApproveIn(version=submitted.version), user=approver,
                                 timeout=60)
        original = session.get(Letter, letter.id)
        blocks = session.exec(select(LetterBlock).where(LetterBlock.letter_id == letter.id)).all()
        docs = session.exec(select(LetterDocument).where(LetterDocument.letter_id == letter.id)).all()
        for n in range(letters - 1):
            # Blocks go in while the copy is submitted; the database refuses them on an approved letter.
            copy = Letter(**original.model_dump(exclude={"id", "key", "title", "status"}), status="submitted",
                          title=f"{original.title} ({n + 2})")
            session.add(copy)
            session.flush()
            session.add_all([LetterBlock(**b.model_dump(exclude={"id", "letter_id"}), letter_id=copy.id) for b in blocks])
            session.flush()
            copy.status = "approved"
            session.add_all([LetterDocument(**d.model_dump(exclude={"id", "letter_id"}), letter_id=copy.id) for d in docs])
        session.commit()
    engine.dispose()


def run(label: str, url: str, letters: int) -> None:
    prepare(url, letters)
    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        outcomes = list(export_service.export_pending(engine, folder=Path(folder), actor="bench"))
        seconds = time.perf_counter() - start
        ok = sum(o.ok for o in outcomes)
        print(f"{label:12} {ok} of {len(outcomes)} letters in {seconds:6.1f} s = {ok / seconds:6.1f} letters/s "
              f"({ok * 5 / seconds:6.0f} files/s)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    on_each_database(lambda label, url: run(label, url, args.letters), args.postgres, sqlite_label="SQLite")


if __name__ == "__main__":
    main()
