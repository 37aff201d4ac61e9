"""Bench: rendering speed and memory, beside LibreOffice converting the same DOCX. Prints figures; asserts nothing.

    .venv/bin/python bench/render.py [--rounds 30] [--renders 600]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from app.bank.service import import_path  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from bench.timing import p90, timed  # noqa: E402
from app.models import Letter  # noqa: E402
from app.rendering import context, docx, pdf  # noqa: E402


def contexts(tmp: Path) -> dict[str, context.LetterContext]:
    """The two seed letters and a 10-page letter made from the Copenhagen one."""
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    import_path(engine, ROOT / "question_bank")
    with Session(engine) as session:
        out = {f"seed {l.kind}": context.build(session, letter_id=l.id) for l in session.exec(select(Letter))}
    kk = out["seed brev"]
    long_answers = tuple(replace(a, number=n) for n, a in enumerate(kk.answers * 4, start=1))
    out["10-page brev"] = replace(kk, answers=long_answers)
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")




def child(mode: str, renders: int) -> None:
    """Run in a fresh process: the first render's time, or RSS over many renders."""
    with tempfile.TemporaryDirectory() as tmp:
        ctx = contexts(Path(tmp))["seed brev"]
        if mode == "first":
            start = time.perf_counter()
            pdf.render(ctx)
            print(f"{(time.perf_counter() - start) * 1000:.0f}")
            return
        pdf.warm_up()
        before = rss_mb()
        for _ in range(renders):
            pdf.render(ctx)
        print(f"{before:.0f} {rss_mb():.0f}")


def pages(data: bytes) -> int:
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page") - data.count(b"/Type /Pages")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--renders", type=int, default=600)
    parser.add_argument("--child", choices=["first", "rss"])
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.renders)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ctxs = contexts(tmp)
        pdf.warm_up()  # as the server does at start-up
        print(f"{'document':14} {'pages':>5} {'PDF median':>11} {'PDF p90':>9} {'DOCX median':>12} {'DOCX p90':>9}")
        for name, ctx in ctxs.items():
            pdf.render(ctx)
            pdf_ms = timed(lambda: pdf.render(ctx), args.rounds)
            docx_ms = timed(lambda: docx.render(ctx), args.rounds)
            n = len(__import__("pikepdf").open(__import__("io").BytesIO(pdf.render(ctx))).pages)
            print(f"{name:14} {n:5d} {statistics.median(pdf_ms):8.1f} ms {p90(pdf_ms):6.1f} ms"
                  f" {statistics.median(docx_ms):9.1f} ms {p90(docx_ms):6.1f} ms")
            (tmp / f"{name.replace(' ', '-')}.docx").write_bytes(docx.render(ctx))

        me = [sys.executable, __file__]
        first = [float(subprocess.run([*me, "--child", "first"], capture_output=True, text=True, check=True).stdout) for _ in range(3)]
        print(f"\nfirst PDF render in a fresh process: median {statistics.median(first):.0f} ms (3 processes)")
        before, after = subprocess.run([*me, "--child", "rss", "--renders", str(args.renders)],
                                       capture_output=True, text=True, check=True).stdout.split()
        print(f"RSS over {args.renders} PDF renders: {before} MB → {after} MB ({int(after) - int(before):+d} MB)")

        soffice = shutil.which("soffice")
        if not soffice:
            print("LibreOffice: not measured (soffice not installed; Debian package libreoffice-writer-nogui)")
            return
        profile = (tmp / "lo-profile").as_uri()
        src = tmp / "seed-brev.docx"

        def convert() -> None:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(tmp / "lo"), str(src)], capture_output=True, check=True)

        convert()  # the profile is created on the first start
        lo = timed(convert, 5)
        print(f"LibreOffice headless, seed brev DOCX → PDF: median {statistics.median(lo):.0f} ms per conversion"
              f" (5 runs; each a fresh soffice, as a script would call it)")


if __name__ == "__main__":
    main()
