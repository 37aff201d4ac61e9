"""Regenerate docs/reliability.md: run every reliability measure and write its figure beside the command.

    .venv/bin/python bench/scorecard.py [--load-seconds 60] [--skip-slow]      (or: make scorecard)

Runs the full-mode fuzz and property tests, the crash, backup and corpus tests on SQLite and
PostgreSQL, bench/load.py, bench/route_cost.py and bench/suggest_speed.py, and writes what they printed.
Takes about an hour with the defaults; --skip-slow leaves out the benches.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BEFORE_LOAD_WORK = "230b3f7"  # the commit bench/route_cost.py compares with


@dataclass
class Measure:
    name: str
    target: str
    command: list[str]
    env: dict[str, str]
    figure: str = ""
    seconds: float = 0.0


def _pytest(*args: str) -> list[str]:
    return [PY, "-m", "pytest", "-q", "-p", "no:warnings", "-p", "no:cacheprovider", *args]


def measures(load_seconds: float, skip_slow: bool) -> list[Measure]:
    pg = {"TEST_DATABASE_URL": PG, "REQUIRE_POSTGRES": "1"}
    full = pg | {"BESVAR_FUZZ": "full"}
    out = [
        Measure("Schemathesis: every API operation, 200 cases each, both databases",
                "0 server errors, 0 schema violations", _pytest("tests/test_fuzz_api.py"), full),
        Measure("Property tests (hypothesis, full mode): text round-trip, workflow state machine",
                "all hold", _pytest("tests/test_properties.py"), full),
        Measure("Crash safety: 50 SIGKILLs during saves and approvals, per database",
                "no acknowledged write lost; integrity and audit chain hold", _pytest("-s", "tests/test_crash.py"), full),
        Measure("Backup, destroy, restore drill", "everything back", _pytest("tests/test_backup.py"), pg),
        Measure("Hostile-input corpus through every entry point", "4xx or literal; no 5xx, no fetch",
                _pytest("tests/test_corpus.py"), pg),
    ]
    if not skip_slow:
        out += [
            Measure(f"Load: 2 workers, 90/10 read/write mix + PDF renders, {load_seconds:.0f} s per phase and database "
                    "(capacity: 32 clients as fast as answered; then 300 requests/s offered)",
                    "≥ 300 requests/s with p99 ≤ 150 ms, 0 errors, flat RSS",
                    [PY, "bench/load.py", "--seconds", str(load_seconds), "--postgres", PG], {}),
            Measure(f"Server CPU per request, per route of the load mix: this tree beside {BEFORE_LOAD_WORK} (before the "
                    "per-request work of 2026-11-24), one worker each, run side by side", "less CPU, not more",
                    [PY, "bench/route_cost.py", "--against", BEFORE_LOAD_WORK], {}),
            Measure(f"The same on PostgreSQL: this tree beside {BEFORE_LOAD_WORK}", "less CPU, not more",
                    [PY, "bench/route_cost.py", "--against", BEFORE_LOAD_WORK, "--postgres", PG], {}),
            Measure("Hostile letter and uploads: 4,500 [[x.navn]] of a 300-character label (1.35 M characters filled in), "
                    "previewed beside an ordinary letter; the PDF of ten pages sharing a 1 MB stream, the DOCX of 3.5 M empty "
                    "paragraphs, a PDF under the byte count but slow to read; the inbox alone and while four hostile previews "
                    "or uploads loop", "each answered within 10 s; the inbox keeps its speed", [PY, "bench/hostile.py"], {}),
            Measure("Suggestions on 100,000 questions + 10,000 paragraphs (1,000 queries)", "p95 ≤ 50 ms",
                    [PY, "bench/suggest_speed.py", "--postgres", PG], {}),
            Measure("Memory under load for 10 minutes per database (2 workers, 300 requests/s offered)", "RSS flat",
                    [PY, "bench/load.py", "--seconds", "600", "--phase", "rate", "--postgres", PG], {}),
        ]
    return out


def _summary(stdout: str) -> str:
    """The figures a run printed: pytest's result line and any line of the bench's own."""
    lines = [line.strip() for line in stdout.splitlines()]
    keep = [line for line in lines if re.search(r"\d+ (passed|failed|error)|kills during|requests/s|p50|p99|RSS|CPU:|"
                                                 r"^SQLite|^PostgreSQL|import:|bank:|^route|^(healthz|inbox|library|"
                                                 r"suggestions|letter|draft|the load mix) ", line)]
    return "<br>".join(line.replace("|", "/") for line in keep) or "(nothing printed)"


def run(measure: Measure) -> None:
    start = time.perf_counter()
    done = subprocess.run(measure.command, cwd=ROOT, env=os.environ | measure.env, capture_output=True, text=True)
    measure.seconds = time.perf_counter() - start
    measure.figure = _summary(done.stdout) + ("" if done.returncode == 0 else f"<br>**exit {done.returncode}**")
    print(f"{measure.name}: {measure.figure.replace('<br>', ' | ')}", flush=True)
    if done.returncode != 0:  # what failed, so a failure found by random cases is not lost with the run
        print("\n".join((done.stdout + done.stderr).splitlines()[-150:]), flush=True)


def write(items: list[Measure]) -> Path:
    cores = os.cpu_count()
    head = [
        "# Reliability scorecard",
        "",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make scorecard` (bench/scorecard.py) on "
        f"{cores} cores, Python {platform.python_version()}, {platform.system()}. Every figure is the output of the "
        "command beside it; run that command to check one on its own.",
        "",
        "| Measure | Target | Result | Command |",
        "|---|---|---|---|",
    ]
    rows = []
    for m in items:
        env = " ".join(f"{k}=…" if k == "TEST_DATABASE_URL" else f"{k}={v}" for k, v in m.env.items())
        command = " ".join(Path(c).name if c == PY else c for c in m.command).replace("python -m pytest -q -p no:warnings -p no:cacheprovider", "pytest")
        rows.append(f"| {m.name} | {m.target} | {m.figure} ({m.seconds:.0f} s) | `{(env + ' ' + command).strip()}` |")
    notes = [
        "",
        "TEST_DATABASE_URL is the PostgreSQL the tests use (127.0.0.1:5432, database `test` here). The load and",
        "crash runs start `besvar serve` as a second process on 127.0.0.1; the load clients share the same two",
        "cores with the server and PostgreSQL. `make test` runs the same tests in their fast mode. Server RSS",
        "counts the supervisor, the workers and their render processes (about 120 MB each, one per worker",
        "at start).",
        "",
        "The machines here differ in speed from one session to the next and drift within one, by tens of",
        "per cent: requests/s from different days do not compare. The route-cost row runs both versions side",
        "by side for that reason.",
        "",
    ]
    path = ROOT / "docs" / "reliability.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(head + rows + notes), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--skip-slow", action="store_true", help="leave out bench/load.py and bench/suggest_speed.py")
    args = parser.parse_args()
    items = measures(args.load_seconds, args.skip_slow)
    for m in items:
        run(m)
    print(f"written: {write(items)}")


if __name__ == "__main__":
    main()
