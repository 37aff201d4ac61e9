"""Overblik (issue 23): how the forvaltning keeps its deadlines this year, for directors, admins and viewers — a
table by organisation, unit, asker or month, the on-time share by month as a chart beside its numbers, and the same
as XLSX or CSV. The figures are app.reports'."""

from datetime import date

from fastapi import APIRouter, Request, Response

from app.db import SessionDep
from app.errors import Invalid
from app.policy import Action
from app.reports import charts, downloads, service
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


@router.get("/overblik", dependencies=[Overseer])
def overview(request: Request, session: SessionDep, auth: PageUser, fra: str = "", til: str = "", gruppe: str = ""):
    """This year's timeliness (or the period chosen), grouped as chosen, with the on-time share by month."""
    try:
        report = _report(request, session, auth, fra, til, gruppe)
    except Invalid:
        return page(request, "reports/overview.html", status=422, report=None, chart=None, months=[], groups=GROUP_NAMES,
                    error="Skriv perioden som to datoer, den første før den anden, højst ti år.", percent=_percent,
                    values={"fra": fra[:20], "til": til[:20], "gruppe": gruppe[:20]})
    months = service.report_for(session, auth.user, start=report.start, end=report.end, group_by="month").rows
    answered = [m for m in months if m.answered]
    chart = charts.bars(
        title="Andel besvaret rettidigt pr. måned",
        description=("Søjle pr. måned (modtaget) med andelen af de besvarede, der kom inden fristen. "
                     + "; ".join(f"{m.group}: {_percent(m.on_time_share)} af {m.answered}" for m in answered)),
        items=[charts.Bar(m.group, m.on_time_share or 0.0, _percent(m.on_time_share)) for m in answered],
        maximum=1.0, ident="rettidig", ticks=[(0, "0 %"), (0.5, "50 %"), (1.0, "100 %")]) if answered else None
    return page(request, "reports/overview.html", report=report, chart=chart, months=months, groups=GROUP_NAMES,
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
