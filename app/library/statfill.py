"""Fill statistics into paragraph text. Pure: plain data in, text out.

Placeholders, written by the secretariat in paragraph text:

    [[KEY]]                the latest value at the letter's date, as Danes write it: 5.555
    [[KEY.periode]]        its period: februar 2014
    [[KEY.kilde]]          its source; [[KEY.enhed]] the unit; [[KEY.navn]] the series' label
    [[KEY@-1]]             the value one period before the latest (@-2, ...)
    [[KEY@2009-12]]        the value of a fixed period (YYYY, YYYY-MM or YYYY-MM-DD)
    [[KEY@første]]         the first value of the series

Attributes combine with selectors: [[KEY@-1.periode]].

A paragraph that is only [[tabel: KEY, KEY2]] becomes a small table: one row per series,
one column per period (the last four known at the letter's date).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app import formatting

PLACEHOLDER = re.compile(
    r"\[\[\s*(?P<key>[a-z0-9][a-z0-9_-]*)"
    r"(?:@(?P<sel>-\d{1,3}|første|\d{4}(?:-\d{2}){0,2}))?"
    r"(?:\.(?P<attr>periode|kilde|enhed|navn))?\s*\]\]"
)


@dataclass(frozen=True)
class Point:
    period: date
    value: float
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    unit: str | None
    source: str
    period_kind: str
    points: tuple[Point, ...]  # oldest first
    suppress_below: int | None = None  # a count under this is shown as `suppressed_as`, never as itself
    suppressed_as: str | None = None

    def shown(self, value: float) -> str:
        """The value as a letter prints it: as Danes write it, or as the small-number rule says."""
        if self.suppress_below is not None and value < self.suppress_below:
            return self.suppressed_as or f"under {self.suppress_below}"
        return formatting.number(value)


def pin(series: Mapping[str, "Series"]) -> dict:
    """The series as plain JSON data, to keep with a submitted letter."""
    return {key: {"label": s.label, "unit": s.unit, "source": s.source, "period_kind": s.period_kind,
                  "points": [[p.period.isoformat(), p.value, p.source, p.note] for p in s.points],
                  "suppress_below": s.suppress_below, "suppressed_as": s.suppressed_as}
            for key, s in series.items()}


def unpin(data: Mapping[str, dict]) -> dict[str, "Series"]:
    """The series kept by pin()."""
    return {key: Series(key, d["label"], d["unit"], d["source"], d["period_kind"],
                        tuple(Point(date.fromisoformat(p[0]), p[1], p[2], p[3]) for p in d["points"]),
                        d.get("suppress_below"), d.get("suppressed_as"))  # pinned before the rule existed: none
            for key, d in data.items()}


@dataclass(frozen=True)
class UsedFigure:
    key: str
    period: date
    value: float
    source: str


@dataclass
class Filled:
    text: str
    used: list[UsedFigure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def period_start(value: date, kind: str) -> date:
    """The first day of the period `value` falls in."""
    if kind == "year":
        return date(value.year, 1, 1)
    if kind == "quarter":
        return date(value.year, (value.month - 1) // 3 * 3 + 1, 1)
    if kind == "month":
        return date(value.year, value.month, 1)
    return value


def parse_period(text: str) -> date:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first day it names; ValueError otherwise."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
    if not m:
        raise ValueError(f"period {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))


TABLE = re.compile(r"^\s*\[\[\s*tabel\s*:\s*(?P<keys>[a-z0-9][a-z0-9_-]*(?:\s*,\s*[a-z0-9][a-z0-9_-]*)*)\s*\]\]\s*$")


@dataclass(frozen=True)
class Table:
    """Figures as a small table: a header row, then one row per series; `source` names the sources."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str
    used: tuple[UsedFigure, ...] = field(default=(), compare=False)


def table_keys(text: str) -> list[str] | None:
    """The keys of a [[tabel: ...]] paragraph, or None if the text is not one."""
    m = TABLE.match(text)
    return [k.strip() for k in m["keys"].split(",")] if m else None


def keys_in(text: str) -> set[str]:
    """The statistic keys a text refers to."""
    keys = {m["key"] for m in PLACEHOLDER.finditer(text)}
    for paragraph in text.split("\n\n"):
        keys.update(table_keys(paragraph) or ())
    return keys


def table(keys: list[str], series: Mapping[str, Series], as_of: date, columns: int = 4) -> Table | None:
    """The table of `keys` at `as_of`; None when none of them has a figure by then."""
    known = {k: [p for p in series[k].points if p.period <= as_of] for k in keys if k in series}
    periods = sorted({p.period for points in known.values() for p in points})[-columns:]
    if not periods:
        return None
    kind = series[next(iter(known))].period_kind
    header = ("", *(formatting.period_label(p, kind) for p in periods))
    rows, used = [], []
    for key, points in known.items():
        by_period = {p.period: p.value for p in points}
        used += [UsedFigure(key=key, period=p.period, value=p.value, source=p.source or series[key].source)
                 for p in points if p.period in periods]
        label = series[key].label + (f" ({series[key].unit})" if series[key].unit else "")
        rows.append((label, *(series[key].shown(by_period[p]) if p in by_period else "–" for p in periods)))
    sources = dict.fromkeys(series[k].source for k in known)
    return Table(header=header, rows=tuple(rows), source="Kilde: " + "; ".join(sources), used=tuple(used))


def _select(series: Series, selector: str | None, as_of: date) -> Point | None:
    known = [p for p in series.points if p.period <= as_of]
    if not known:
        return None
    if selector is None:
        return known[-1]
    if selector == "første":
        return known[0]
    if selector.startswith("-"):
        back = int(selector[1:])
        return known[-1 - back] if back < len(known) else None
    try:
        wanted = period_start(parse_period(selector), series.period_kind)
    except ValueError:
        return None
    return next((p for p in known if p.period == wanted), None)


def fill(text: str, series: Mapping[str, Series], as_of: date) -> Filled:
    """`text` with each placeholder replaced by the figure valid at `as_of`."""
    result = Filled(text="")
    seen: set[tuple[str, date]] = set()
    latest: dict[str, Point] = {}

    def replace(m: re.Match) -> str:
        key, attr = m["key"], m["attr"]
        s = series.get(key)
        point = _select(s, m["sel"], as_of) if s else None
        if s is None or point is None:
            result.missing.append(m[0])
            return f"[mangler tal: {m[0][2:-2].strip()}]"
        source = point.source or s.source
        if m["sel"] is None:
            latest[key] = point
        if (key, point.period) not in seen:
            seen.add((key, point.period))
            result.used.append(UsedFigure(key=key, period=point.period, value=point.value, source=source))
        if attr == "periode":
            return formatting.period_label(point.period, s.period_kind)
        if attr == "kilde":
            return source
        if attr == "enhed":
            return s.unit or ""
        if attr == "navn":
            return s.label
        return s.shown(point.value)

    result.text = PLACEHOLDER.sub(replace, text)
    # A new figure in one series but not yet in another makes a sentence mix periods.
    periods = {p.period for p in latest.values()}
    if len(periods) > 1:
        listed = ", ".join(
            f"{key}: {formatting.period_label(p.period, series[key].period_kind)}" for key, p in sorted(latest.items())
        )
        result.warnings.append(f"De seneste tal er fra forskellige perioder ({listed})")
    return result
