"""Bench: recall@1 and recall@3 of the suggestions on the public dev set and on our own new phrasings.

    .venv/bin/python bench/suggest_quality.py
A hit: one of the top k suggestions contains an expected phrase (case-insensitive).
"""

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.bank.service import import_path  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.library.suggest import suggest  # noqa: E402
from app.migrate import upgrade  # noqa: E402

SETS = {
    "eval/suggest_dev.json (shared)": ROOT.parent / "shared" / "eval" / "suggest_dev.json",
    "tests/fixtures/suggest_phrasings.json (ours)": ROOT / "tests" / "fixtures" / "suggest_phrasings.json",
}


def recall(session: Session, cases: list[dict]) -> tuple[float, float, list[str]]:
    """recall@1, recall@3, and the questions missed at 3."""
    at1 = at3 = 0
    missed = []
    for case in cases:
        texts = [s.text.lower() for s in suggest(session, text=case["q"], limit=3)]
        hit = [any(e.lower() in t for e in case["expect_any"]) for t in texts]
        at1 += bool(hit[:1] and hit[0])
        at3 += any(hit)
        if not any(hit):
            missed.append(case["q"])
    return at1 / len(cases), at3 / len(cases), missed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/q.db"
        upgrade(url)
        engine = make_engine(url)
        import_path(engine, ROOT / "question_bank")
        with Session(engine) as session:
            for name, path in SETS.items():
                if not path.exists():
                    print(f"{name}: not found")
                    continue
                r1, r3, missed = recall(session, json.loads(path.read_text(encoding="utf-8")))
                print(f"{name:45} recall@1 {r1:.2f}   recall@3 {r3:.2f}")
                for q in missed:
                    print(f"    missed: {q}")


if __name__ == "__main__":
    main()
