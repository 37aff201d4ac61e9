"""Issue 23 as its people do it, in Chromium: the director opens Overblik and downloads it as a spreadsheet that
LibreOffice reads as numbers; the secretariat records the approved answer as sent by e-mail with a copy to the whole
council; the director publishes it with its CPR number redacted; a reader without a login finds it on the public
pages with the redaction log, and in the feed. A pause before every form."""

from datetime import date, timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.bank.service import import_path
from app.db import make_engine
from app.dispatch import councils
from app.migrate import upgrade
from app.models import Municipality, Organisation, User
from tests.conftest import BANK
from tests.documents import calc_rows
from tests.test_e2e_browser import PASSWORD, SHOTS, _browser, _login, _need_browser, serve, think
from tests.test_reports import _approve, _inquiry

TODAY = date.today()
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def record_server(tmp_path):
    """Besvar with this year's answers of Copenhagen's forvaltning, one of them approved a week ago with a CPR number
    in it, and the council's list."""
    url = f"sqlite:///{tmp_path / 'record.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, BANK))
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        sara = auth_service.add_user(session, username="sara", role="drafter", name="Sara Sekretær", password=PASSWORD,
                                     organisation_id=org.id).id
        henrik = auth_service.add_user(session, username="henrik", role="approver", name="Henrik Lund", title="Direktør",
                                       password=PASSWORD, organisation_id=org.id).id
        start = max(date(TODAY.year, 1, 2), TODAY - timedelta(days=60))
        for n in range(3):  # earlier answers of the year, for the chart
            received = start + timedelta(days=7 * n)
            inquiry = _inquiry(session, "kk-bif", received.isoformat(), f"Sagsbehandlingstider {n + 1}")
            _approve(session, inquiry, (received + timedelta(days=3 + 6 * n)).isoformat(), session.get(User, sara),
                     session.get(User, henrik))
        received = TODAY - timedelta(days=9)
        inquiry = _inquiry(session, "kk-bif", received.isoformat(), "Hjælp til en borger med ME")
        letter = _approve(session, inquiry, (TODAY - timedelta(days=7)).isoformat(), session.get(User, sara),
                          session.get(User, henrik), text="Borgeren med CPR-nummer 010190-1234 har fået hjælp. Der er 12 sager.",
                          recipient={"recipient_email": "bo.borger@kk.dk"})
        kk = session.exec(select(Municipality).where(Municipality.key == "koebenhavns-kommune")).one()
        councils.save(session, municipality=kk, name="Borgerrepræsentationen", whole_council=True, by=None,
                      members=councils.parse_members("Anne Andersen <anne@kk.dk>\nBent Berg <bent@kk.dk>"))
    engine.dispose()
    with serve(url) as base:
        yield base, inquiry[0], letter


def test_overblik_dispatch_and_publication_in_the_browser(record_server, tmp_path):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base, inquiry, letter = record_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        director = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK", accept_downloads=True).new_page()
        _login(director, base, "henrik")
        director.get_by_role("link", name="Overblik").click()
        expect(director.get_by_role("heading", name="Rettidighed måned for måned")).to_be_visible()
        expect(director.get_by_role("img", name="Andel besvaret rettidigt pr. enhed")).to_be_visible()
        director.get_by_label("Opdelt på", exact=True).select_option("enhed")
        think(director)
        director.get_by_role("button", name="Vis").click()
        expect(director.get_by_role("heading", name="Opdelt på enhed")).to_be_visible()
        director.screenshot(path=str(SHOTS / "40-overblik.png"), full_page=True)
        with director.expect_download() as download:
            director.get_by_role("link", name="regneark (XLSX)").click()
        sheet = tmp_path / "overblik.xlsx"
        download.value.save_as(sheet)
        rows = calc_rows(sheet, tmp_path)
        assert rows[3][:2] == ["Grupperet efter", "Enhed"] and rows[-1][0] == "I alt"
        assert rows[-1][1] == "4" and rows[-1][2] == "4"  # received and answered this year, as numbers Calc shows

        # The secretariat sends the answer by e-mail and copies the whole council.
        secretariat = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK").new_page()
        _login(secretariat, base, "sara")
        secretariat.goto(f"{base}/breve/{letter}")
        secretariat.get_by_role("radio", name="E-mail fra Besvar").check()
        secretariat.get_by_label("Kopi til orientering").select_option("Borgerrepræsentationen")
        think(secretariat)
        secretariat.get_by_role("button", name="Registrér afsendelsen").click()
        expect(secretariat.get_by_text("Afsendelsen er registreret.")).to_be_visible()
        expect(secretariat.get_by_text("Kopi til orientering: Borgerrepræsentationen (2 modtagere).")).to_be_visible()
        secretariat.screenshot(path=str(SHOTS / "41-afsendt.png"), full_page=True)

        # The director publishes it, the CPR number the check found ticked for redaction.
        director.goto(f"{base}/henvendelser/{inquiry}")
        director.get_by_text("Offentliggørelse").click()
        expect(director.get_by_label("Udelad “010190-1234”")).to_be_checked()
        think(director)
        director.get_by_role("button", name="Offentliggør", exact=True).click()
        expect(director.get_by_text("Henvendelsen er offentliggjort.")).to_be_visible()

        # A reader, no login.
        reader = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK").new_page()
        reader.goto(f"{base}/offentlig/")
        reader.get_by_role("link", name="Hjælp til en borger med ME").click()
        expect(reader.get_by_role("heading", name="Udeladte oplysninger")).to_be_visible()
        expect(reader.get_by_text("1 passage er udeladt før offentliggørelsen:")).to_be_visible()
        expect(reader.get_by_text("1 × personnummer (CPR), offentlighedsloven § 30, nr. 1")).to_be_visible()
        assert "010190-1234" not in reader.content() and "[udeladt]" in reader.content()
        assert reader.context.cookies() == []
        reader.screenshot(path=str(SHOTS / "42-offentligt-svar.png"), full_page=True)
        browser.close()
    feed = ET.fromstring(httpx.get(f"{base}/offentlig/feed.atom").content)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["Hjælp til en borger med ME"]
