"""Overblik as files (issue 23): CSV and XLSX with the period and grouping in the file, numbers as numbers."""

import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from app.reports.timeliness import Report, table

GROUP_LABELS = {"organisation": "Forvaltning", "unit": "Enhed", "asker": "Spørger", "month": "Måned"}
# (heading, the row's attribute, a share?) in the order every format lists them.
COLUMNS = [
    ("Modtaget", "received", False), ("Besvaret", "answered", False), ("Rettidigt", "on_time", False),
    ("Andel rettidigt", "on_time_share", True), ("Rettidigt efter første frist", "on_time_original", False),
    ("Andel efter første frist", "on_time_original_share", True),
    ("Arbejdsdage til svar, median", "median_working_days", False),
    ("Arbejdsdage til svar, 90 %", "p90_working_days", False), ("Foreløbige svar", "interim_replies", False),
    ("Foreløbige svar rettidigt", "interim_on_time", False), ("Åbne", "open", False),
    ("Over fristen", "overdue", False), ("Afventer bidrag", "awaiting_contributions", False),
]


def _heading(report: Report) -> list[tuple[str, object]]:
    return [("Besvar: rettidighed", None), ("Periode fra (modtaget)", report.start), ("Periode til (modtaget)", report.end),
            ("Grupperet efter", GROUP_LABELS[report.group_by]), ("Opgjort", report.today)]


def as_csv(report: Report) -> bytes:
    """Semicolon-separated, UTF-8 with a byte order mark: what Danish Excel and LibreOffice open as columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for label, value in _heading(report):
        writer.writerow([label] + ([value.isoformat() if isinstance(value, date) else value] if value is not None else []))
    writer.writerow([])
    writer.writerow([GROUP_LABELS[report.group_by]] + [c[0] for c in COLUMNS])
    for row in table(report):
        writer.writerow([_safe(row.group)] + ["" if (v := getattr(row, attr)) is None else v for _h, attr, _s in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(text: str) -> str:
    """A name a spreadsheet would run as a formula ("=HYPERLINK(...)") is kept as the text it is."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_xlsx(report: Report) -> bytes:
    """One sheet: the period as dates, then the table, counts as integers and shares as percentages."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Rettidighed"
    for label, value in _heading(report):
        sheet.append([label] + ([value] if value is not None else []))
        if isinstance(value, date):
            sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([GROUP_LABELS[report.group_by]] + [c[0] for c in COLUMNS])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in table(report):
        sheet.append([_safe(row.group)] + [getattr(row, attr) for _h, attr, _s in COLUMNS])
        for n, (_h, _attr, share) in enumerate(COLUMNS, start=2):
            if share:
                sheet.cell(row=sheet.max_row, column=n).number_format = "0.0%"
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 40
    sheet.freeze_panes = sheet.cell(row=8, column=2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
