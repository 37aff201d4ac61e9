"""Issue 23, Overblik: timeliness counted from real work — inquiries registered, extended and answered on the days
they were, through the services — for the organisations the caller oversees and never the other municipality's;
and the same figures as CSV and as an XLSX that LibreOffice Calc opens with numbers and dates in it."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.approval import service as approval_service
from app.auth import service as auth_service
from app.config import Settings
from app.coordination import service as coordination
from app.coordination.schemas import ExtendIn
from app.inquiries import service as inquiry_service
from app.inquiries.schemas import InquiryIn
from app.letters import service as letter_service
from app.letters.schemas import ApproveIn, LetterIn, LetterUpdate, SubmitIn
from app.main import create_app
from app.models import Organisation, User
from app.reports import service as reports
from tests.conftest import PASSWORD
from tests.documents import calc_rows

DENMARK = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 12, 3)


def _at(day: str, hour: int = 10):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=DENMARK), tick=False)


def _inquiry(session: Session, org: str, received: str, title: str) -> tuple[int, int]:
    """The inquiry's id and its one question's."""
    with _at(received):
        inquiry = inquiry_service.create(session, data=InquiryIn.model_validate({
            "title": title, "asker": {"name": "Bo Borger", "role": "MB"}, "received_on": received, "organisation": org,
            "questions": [{"text": "Hvor mange sager er der?"}]}), user=None)
        return inquiry.id, inquiry.questions[0].id


def _approve(session: Session, inquiry: tuple[int, int], day: str, drafter: User, approver: User, kind: str = "brev",
             text: str = "Der er 12 sager.", recipient: dict | None = None, **fields) -> int:
    """A letter written, submitted and approved on `day` (an interim reply has no answers to write)."""
    with _at(day):
        letter = letter_service.create(session, data=LetterIn(inquiry_id=inquiry[0], kind=kind, **fields), user=drafter)
        if kind != "foreløbigt":
            letter = letter_service.update(session, letter_id=letter.id, user=drafter, data=LetterUpdate.model_validate({
                "version": letter.version, "recipient_name": "Bo Borger", **(recipient or {}),
                "answers": [{"question_id": inquiry[1], "blocks": [{"text": text}]}]}))
        approval_service.submit(session, letter_id=letter.id, data=SubmitIn(confirm_personal_data=True), user=drafter)
        version = letter_service.get(session, letter_id=letter.id, user=None).version
        approval_service.approve(session, letter_id=letter.id, data=ApproveIn(version=version), user=approver, timeout=60)
        return letter.id


@pytest.fixture
def year(seeded):
    """Copenhagen's 2026 so far: one answered in time, one answered after an extension (late by the first deadline),
    one open past its deadline with an interim reply sent in time; and Aalborg's one, answered."""
    with Session(seeded) as session:
        people = {}
        for org in ("kk-bif", "aalborg-fb"):
            org_id = session.exec(select(Organisation.id).where(Organisation.key == org)).one()
            for role in ("drafter", "approver", "viewer"):
                people[org, role] = auth_service.add_user(session, username=f"{org}-{role}", role=role, name=f"{org} {role}",
                                                          organisation_id=org_id, password=PASSWORD)
        d, a = people["kk-bif", "drafter"], people["kk-bif", "approver"]
        first = _inquiry(session, "kk-bif", "2026-03-02", "Svar i tide")
        _approve(session, first, "2026-03-10", d, a)
        second = _inquiry(session, "kk-bif", "2026-03-02", "Svar efter forlænget frist")
        with _at("2026-03-12"):
            coordination.extend(session, inquiry_id=second[0], user=a, data=ExtendIn(deadline=date(2026, 3, 30),
                                                                                   reason="Afventer tal fra Jobcentret"))
        _approve(session, second, "2026-03-20", d, a)
        third = _inquiry(session, "kk-bif", "2026-04-01", "Stadig åben")
        _approve(session, third, "2026-04-08", d, a, kind="foreløbigt", expected_answer_on=date(2026, 5, 1))
        theirs = _inquiry(session, "aalborg-fb", "2026-03-02", "Aalborgs")
        _approve(session, theirs, "2026-03-05", people["aalborg-fb", "drafter"], people["aalborg-fb", "approver"])
        tokens = {k: auth_service.create_token(session, username=u.username) for k, u in people.items()}
        ids = {k: u.id for k, u in people.items()}
    return seeded, ids, tokens


def test_the_figures_of_a_year_by_organisation_and_month(year):
    engine, people, _ = year
    with Session(engine) as session:
        approver = session.get(User, people["kk-bif", "approver"])
        report = reports.report_for(session, approver, start=date(2026, 1, 1), end=TODAY, group_by="organisation", today=TODAY)
        assert [r.group for r in report.rows] == ["Beskæftigelses- og Integrationsforvaltningen"]  # not Aalborg's
        row = report.rows[0].as_dict()
        assert row == {"group": "Beskæftigelses- og Integrationsforvaltningen", "received": 3, "answered": 2,
                       "on_time": 2, "on_time_share": 1.0, "on_time_original": 1, "on_time_original_share": 0.5,
                       "median_working_days": 10.0, "p90_working_days": 14.0,  # 6 and 14 working days
                       "interim_replies": 1, "interim_on_time": 1, "open": 1, "overdue": 1, "awaiting_contributions": 0}
        months = reports.report_for(session, approver, start=date(2026, 1, 1), end=TODAY, group_by="month", today=TODAY)
        assert [(r.group, r.received, r.answered, r.open) for r in months.rows] == [("2026-03", 2, 2, 0), ("2026-04", 1, 0, 1)]
        before = reports.report_for(session, approver, start=date(2026, 1, 1), end=TODAY, group_by="organisation",
                                    today=date(2026, 4, 10))
        assert (before.total.open, before.total.overdue) == (1, 0)  # on 10 April the third was not late yet
        # And from the other municipality: Aalborg's director sees Aalborg's one, and none of Copenhagen's.
        theirs = reports.report_for(session, session.get(User, people["aalborg-fb", "approver"]), start=date(2026, 1, 1),
                                    end=TODAY, group_by="organisation", today=TODAY)
        aalborg = session.exec(select(Organisation.name).where(Organisation.key == "aalborg-fb")).one()
        assert [(r.group, r.received, r.answered) for r in theirs.rows] == [(aalborg, 1, 1)]


def test_the_api_answers_who_oversees_and_refuses_the_rest_in_detail(year):
    engine, _, tokens = year
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))

    def get(who, **params):
        return client.get("/api/v1/reports/timeliness", params={"from": "2026-01-01", "to": "2026-12-31", **params},
                          headers={"Authorization": f"Bearer {tokens[who]}"})

    viewer = get(("kk-bif", "viewer"), group_by="unit")
    assert viewer.status_code == 200 and viewer.json()["total"]["received"] == 3
    assert get(("kk-bif", "drafter")).status_code == 403
    assert get(("aalborg-fb", "approver")).json()["total"]["received"] == 1
    bad = get(("kk-bif", "approver"), **{"from": "2026-12-31", "to": "2026-01-01"})
    assert bad.status_code == 422 and "'to' is before 'from'" in bad.text
    assert get(("kk-bif", "approver"), group_by="party").status_code == 422
    assert get(("kk-bif", "approver"), **{"from": "1900-01-01"}).status_code == 422  # ten years at most
    assert client.get("/api/v1/reports/timeliness").status_code == 401


def test_the_csv_and_the_xlsx_carry_the_period_and_numbers_that_calc_reads_as_numbers(year, tmp_path):
    engine, _, tokens = year
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    headers = {"Authorization": f"Bearer {tokens['kk-bif', 'approver']}"}
    params = {"from": "2026-01-01", "to": "2026-12-31", "group_by": "month"}
    got = client.get("/api/v1/reports/timeliness", params={**params, "format": "csv"}, headers=headers)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Periode fra (modtaget)", "2026-01-01"] and rows[3] == ["Grupperet efter", "Måned"]
    assert rows[6][0] == "Måned" and rows[7][:4] == ["2026-03", "2", "2", "2"] and rows[-1][:2] == ["I alt", "3"]
    xlsx = client.get("/api/v1/reports/timeliness", params={**params, "format": "xlsx"}, headers=headers)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["B2"].value == datetime(2026, 1, 1) and sheet["B2"].is_date
    assert sheet["A8"].value == "2026-03" and sheet["B8"].value == 2 and sheet["E8"].value == 1.0
    assert sheet["E8"].number_format == "0.0%"
    # LibreOffice Calc: the sheet read back as values, the counts and shares as numbers, not text.
    path = tmp_path / "overblik.xlsx"
    path.write_bytes(xlsx.content)
    calc = calc_rows(path, tmp_path)
    assert calc[1][:2] == ["Periode fra (modtaget)", "2026-01-01"]
    assert calc[7][:4] == ["2026-03", "2", "2", "2"] and calc[7][4] in ("100%", "100.0%")  # a number, shown as a percentage


def test_overblik_shows_the_year_as_a_chart_and_tables_to_those_who_oversee_and_downloads_it(year):
    engine, _, _ = year
    app = create_app(Settings(database_url="sqlite://"), engine=engine)

    def browser(username: str) -> TestClient:
        c = TestClient(app, base_url="https://testserver")
        assert c.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303
        return c

    director = browser("kk-bif-approver")
    page = director.get("/overblik", params={"fra": "2026-01-01", "til": "2026-12-31", "gruppe": "måned"})
    assert page.status_code == 200 and '<a href="/overblik" aria-current="page">Overblik</a>' in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text and "<title id=\"rettidig-t\">Andel besvaret rettidigt" in page.text
    assert "2026-03: 100 % af 2" in page.text  # the chart's description says its numbers
    assert '<th scope="row">2026-04</th><td>1</td><td>0</td><td>–</td>' in page.text  # and the table beside it
    # By unit, the answers' working days (6 and 14) as a distribution, and the open work by unit: each its chart.
    assert '<title id="enheder-t">Andel besvaret rettidigt pr. enhed</title>' in page.text
    assert "0–5 arbejdsdage: 0; 6–10 arbejdsdage: 1; 11–15 arbejdsdage: 1; 16–20 arbejdsdage: 0" in page.text
    assert '<title id="aabne-t">Åbne henvendelser pr. enhed</title>' in page.text and ": 1 åbne, 1 over fristen" in page.text
    assert "Beskæftigelses- og Integrationsforvaltningen" in director.get("/overblik").text  # this year, by forvaltning
    sheet = director.get("/overblik.xlsx", params={"fra": "2026-01-01", "til": "2026-12-31", "gruppe": "enhed"})
    assert sheet.status_code == 200 and load_workbook(io.BytesIO(sheet.content)).active["A4"].value == "Grupperet efter"
    bad = director.get("/overblik", params={"fra": "2026-12-31", "til": "2026-01-01"})
    assert bad.status_code == 422 and "den første før den anden" in bad.text
    assert browser("kk-bif-drafter").get("/overblik").status_code == 403
    assert browser("kk-bif-viewer").get("/overblik").status_code == 200
    # And from the other municipality: Aalborg's director sees Aalborg's year, not Copenhagen's.
    theirs = browser("aalborg-fb-approver").get("/overblik", params={"fra": "2026-01-01", "til": "2026-12-31"}).text
    assert "Beskæftigelses- og Integrationsforvaltningen" not in theirs and "<strong>1</strong> modtaget" in theirs
