"""Bench: what checking an uploaded logo costs, for files a hostile admin account could send. Prints figures.

    .venv/bin/python bench/logo_check.py

Each is refused or passed in well under a millisecond to a few: the checks read the PNG's header, not its
pixels, and parse SVG without entities, DTDs or the network (app/organisations/logos.py).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from app.errors import Invalid  # noqa: E402
from app.organisations import logos  # noqa: E402
from test_admin_pages import SVG, png  # noqa: E402

CASES = {
    "a 40×10 PNG": (logos.check_png, png(40, 10)),
    "a PNG claiming 100,000 × 100,000": (logos.check_png, png(100_000, 100_000)),
    "a 512 kB PNG": (logos.check_png, png(40, 10, pad=512 * 1024 - 200)),
    "a small SVG": (logos.check_svg, SVG),
    "billion laughs SVG": (logos.check_svg, b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'),
    "an SVG of 20,000 nested groups": (logos.check_svg, b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 20_000
                                       + b"</g>" * 20_000 + b"</svg>"),
    "a 200 kB SVG of 4,500 shapes": (logos.check_svg, b'<svg xmlns="http://www.w3.org/2000/svg">'
                                     + b'<rect width="1" height="1" fill="#00509e"/>' * 4_500 + b"</svg>"),
    "an SVG of 499 shapes (the most allowed)": (logos.check_svg, b'<svg xmlns="http://www.w3.org/2000/svg">'
                                                + b'<rect width="1" height="1" fill="#00509e"/>' * 498 + b"</svg>"),
    "an SVG of 1,999 shapes": (logos.check_svg, b'<svg xmlns="http://www.w3.org/2000/svg">'
                               + b'<rect width="1" height="1" fill="#00509e"/>' * 1_998 + b"</svg>"),
}

print(f"{'input':40} {'bytes':>9} {'result':>9} {'median':>10}")
for name, (check, data) in CASES.items():
    times, result = [], "passed"
    for _ in range(30):
        start = time.perf_counter()
        try:
            check(data)
        except Invalid:
            result = "refused"
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"{name:40} {len(data):>9,} {result:>9} {times[len(times) // 2] * 1000:>8.2f} ms")


# What the largest SVG allowed costs every letter, beside no logo and a small one: a seed brev, rendered.
from dataclasses import replace  # noqa: E402

from app.rendering import pdf  # noqa: E402
from documents import sample_context  # noqa: E402

pdf.warm_up()
base = sample_context()
largest = CASES["an SVG of 499 shapes (the most allowed)"][1]
refused = CASES["an SVG of 1,999 shapes"][1]
print(f"\n{'render of a one-page brev':40} {'median':>10}")
for name, svg in (("no uploaded logo", None), ("a small SVG logo", SVG), ("an SVG of 499 shapes", largest),
                  ("(refused) an SVG of 1,999 shapes", refused)):
    ctx = replace(base, letterhead=replace(base.letterhead, uploaded_png=png(40, 10), uploaded_svg=svg))
    times = []
    for _ in range(15):
        start = time.perf_counter()
        pdf.render(ctx)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"{name:40} {times[len(times) // 2] * 1000:>8.1f} ms")
