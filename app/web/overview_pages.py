"""Overblik (issue 23): how the forvaltning keeps its deadlines this year, for directors, admins and viewers — a
table by organisation, unit, asker or month, the on-time share by month as a chart beside its numbers, and the same
as XLSX or CSV. The figures are app.reports'."""

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request, Response

from app.db import SessionDep
from app.errors import Invalid
from app.formatting import number
from app.policy import Action
from app.reports import charts, downloads, service, timeliness
from app.reports.routes import XLSX
from app.reports.timeliness import GROUPS, Report
from app.routing import SessionRoute
from app.web.deps import PageUser, page_may
from app.web.render import page

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Overseer = page_may(Action.oversee)
GROUP_NAMES = dict(zip(GROUPS, ("forvaltning", "enhed", "spørger", "måned"), strict=True))  # as the page says them
_BY_NAME = {v: k for k, v in GROUP_NAMES.items()}


def _period(fra: str, til: str) -> tuple[date | None, date | None]:
    try:
        return (date.fromisoformat(fra) if fra else None), (date.fromisoformat(til) if til else None)
    except ValueError:
        raise Invalid("not a date", field="from") from None


def _report(request: Request, session, auth, fra: str, til: str, gruppe: str) -> Report:
    start, end = _period(fra[:20], til[:20])
    return service.report_for(session, auth.user, start=start, end=end, group_by=_BY_NAME.get(gruppe, "organisation"))


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %".replace(".", ",")


@dataclass(frozen=True)
class Figure:
    """One chart with the numbers behind it as a table: its heading, the SVG (None when there is nothing to draw)."""

    ident: str
    heading: str
    svg: str | None
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


def _figures(report: Report) -> list[Figure]:
    """On-time share by month and by unit, working days to answer as a distribution, and open work by unit."""
    months = [m for m in report.by["month"] if m.answered]
    units = report.by["unit"]
    answered_units = [u for u in units if u.answered]
    open_units = [u for u in units if u.open]
    spread = timeliness.distribution(report.total)
    return [
        Figure("rettidig", "Rettidighed måned for måned", charts.bars(
            title="Andel besvaret rettidigt pr. måned",
            description=("Søjle pr. måned (modtaget) med andelen af de besvarede, der kom inden fristen. "
                         + "; ".join(f"{m.group}: {_percent(m.on_time_share)} af {m.answered}" for m in months)),
            items=[charts.Bar(m.group, m.on_time_share or 0.0, _percent(m.on_time_share)) for m in months],
            maximum=1.0, ident="rettidig", ticks=_SHARE_TICKS) if months else None,
            ("Måned", "Modtaget", "Besvaret", "Rettidigt"),
            [(m.group, _n(m.received), _n(m.answered), _percent(m.on_time_share)) for m in report.by["month"]]),
        Figure("enheder", "Rettidighed pr. enhed", charts.hbars(
            title="Andel besvaret rettidigt pr. enhed",
            description=("Bjælke pr. enhed med andelen af de besvarede, der kom inden fristen. "
                         + "; ".join(f"{u.group}: {_percent(u.on_time_share)} af {u.answered}" for u in answered_units)),
            items=[charts.Bar(u.group, u.on_time_share or 0.0, _percent(u.on_time_share)) for u in answered_units],
            maximum=1.0, ident="enheder") if answered_units else None,
            ("Enhed", "Besvaret", "Rettidigt", "Median, arbejdsdage"),
            [(u.group, _n(u.answered), _percent(u.on_time_share), _n(u.median_working_days)) for u in units]),
        Figure("fordeling", "Arbejdsdage til svar", charts.bars(
            title="Besvarede fordelt på arbejdsdage til svar",
            description=("Søjle pr. interval af arbejdsdage fra modtagelse til godkendt svar, med antallet af svar. "
                         + "; ".join(f"{label} arbejdsdage: {count}" for label, count in spread)),
            items=[charts.Bar(label, count, str(count)) for label, count in spread],
            maximum=float(max(c for _l, c in spread)), ident="fordeling",
            ticks=[(0, "0")]) if report.total.answered else None,
            ("Arbejdsdage", "Svar"), [(label, _n(count)) for label, count in spread]),
        Figure("aabne", "Åbent arbejde pr. enhed", charts.hbars(
            title="Åbne henvendelser pr. enhed",
            description=("Bjælke pr. enhed med de åbne henvendelser modtaget i perioden. "
                         + "; ".join(f"{u.group}: {u.open} åbne, {u.overdue} over fristen" for u in open_units)),
            items=[charts.Bar(u.group, u.open, f"{u.open} ({u.overdue} over fristen)") for u in open_units],
            maximum=float(max((u.open for u in open_units), default=1)), ident="aabne") if open_units else None,
            ("Enhed", "Åbne", "Over fristen", "Afventer bidrag"),
            [(u.group, _n(u.open), _n(u.overdue), _n(u.awaiting_contributions)) for u in open_units]),
    ]


_SHARE_TICKS = [(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")]


def _n(value: float | None) -> str:
    return "–" if value is None else number(value)


@router.get("/overblik", dependencies=[Overseer])
def overview(request: Request, session: SessionDep, auth: PageUser, fra: str = "", til: str = "", gruppe: str = ""):
    """This year's timeliness (or the period chosen), grouped as chosen, with its charts."""
    try:
        report = _report(request, session, auth, fra, til, gruppe)
    except Invalid:
        return page(request, "reports/overview.html", status=422, report=None, figures=[], groups=GROUP_NAMES,
                    error="Skriv perioden som to datoer, den første før den anden, højst ti år.", percent=_percent,
                    values={"fra": fra[:20], "til": til[:20], "gruppe": gruppe[:20]})
    return page(request, "reports/overview.html", report=report, figures=_figures(report), groups=GROUP_NAMES,
                percent=_percent, error=None, columns=downloads.COLUMNS,
                values={"fra": report.start.isoformat(), "til": report.end.isoformat(), "gruppe": GROUP_NAMES[report.group_by]})


def _file(request: Request, fmt: str, session, auth, fra: str, til: str, gruppe: str) -> Response:
    report = _report(request, session, auth, fra, til, gruppe)
    name = f"overblik-{report.start}-{report.end}-{GROUP_NAMES[report.group_by]}".replace("å", "aa").replace("ø", "oe")
    content, media = (downloads.as_xlsx(report), XLSX) if fmt == "xlsx" else (downloads.as_csv(report), "text/csv; charset=utf-8")
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/overblik.xlsx", dependencies=[Overseer])
def overview_xlsx(request: Request, session: SessionDep, auth: PageUser, fra: str = "", til: str = "", gruppe: str = ""):
    """The same figures as a spreadsheet."""
    return _file(request, "xlsx", session, auth, fra, til, gruppe)


@router.get("/overblik.csv", dependencies=[Overseer])
def overview_csv(request: Request, session: SessionDep, auth: PageUser, fra: str = "", til: str = "", gruppe: str = ""):
    """The same figures as CSV."""
    return _file(request, "csv", session, auth, fra, til, gruppe)
