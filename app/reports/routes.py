"""GET /api/v1/reports/timeliness: Overblik's figures as JSON, CSV or XLSX (issue 23)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.reports import downloads, service
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/reports", tags=["reports"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/timeliness")
def timeliness(
    session: SessionDep,
    user: CurrentUser,
    start: Annotated[date | None, Query(alias="from", description="received on or after; default: 1 January this year")] = None,
    end: Annotated[date | None, Query(alias="to", description="received on or before; default: today")] = None,
    group_by: Literal["organisation", "unit", "asker", "month"] = "organisation",
    format: Literal["json", "csv", "xlsx"] = "json",
):
    """How the work of the organisations the caller may oversee keeps its deadlines, per group and in all."""
    report = service.report_for(session, user, start=start, end=end, group_by=group_by)
    name = f"rettidighed-{report.start}-{report.end}-{group_by}"
    if format == "csv":
        return Response(downloads.as_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if format == "xlsx":
        return Response(downloads.as_xlsx(report), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return {"from": report.start, "to": report.end, "group_by": group_by, "today": report.today,
            "rows": [r.as_dict() for r in report.rows], "total": report.total.as_dict()}
