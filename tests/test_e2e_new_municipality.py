"""Issue 22 in Debian's Chromium: a municipality from nothing to its first approved letter with the pages alone —
the operator creates Udby Kommune and its admin; the admin gives the forvaltning its letterhead and logo, looks
at the sample letter, adds a unit and two users; the drafter answers an inquiry and the director approves it.
No command line, no YAML file. The time each part took is printed (`-s` shows it)."""

import time

import pytest
from sqlmodel import Session

from app.auth import service as auth_service
from app.bank.service import import_path
from app.db import make_engine
from app.migrate import upgrade
from tests.conftest import BANK
from tests.documents import pdftotext, squash
from tests.test_admin_pages import png
from tests.test_e2e_browser import PASSWORD, SHOTS, _browser, _need_browser, serve, think

ORG = "udby-kommune-borgmesterens-forvaltning"  # the key the page makes of the two names


@pytest.fixture
def installed(tmp_path):
    """Besvar as installed: the bank loaded and the operator's account (make run prints it as "drift")."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, BANK))
    with Session(engine) as session:
        auth_service.add_user(session, username="drift", role="operator", name="Dorte Drift", password=PASSWORD, operator=True)
    engine.dispose()
    with serve(url) as base:
        yield base


def test_a_new_admin_takes_a_new_municipality_to_its_first_approved_letter_in_the_browser(installed, tmp_path):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base = installed
    SHOTS.mkdir(parents=True, exist_ok=True)
    logo = tmp_path / "udby-logo.png"
    logo.write_bytes(png(120, 40))
    took: dict[str, float] = {}
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        shot = lambda name: page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # noqa: E731

        def login(user: str, password: str = PASSWORD) -> None:
            page.goto(f"{base}/login")
            page.get_by_label("Brugernavn").fill(user)
            page.get_by_label("Adgangskode").fill(password)
            page.get_by_role("button", name="Log ind").click()

        def logout() -> None:
            page.get_by_role("button", name="Log ud").click()
            expect(page.get_by_role("heading", name="Log ind i Besvar")).to_be_visible()

        # The operator: a municipality with its first forvaltning and admin, one form.
        start = time.monotonic()
        login("drift")
        expect(page.get_by_role("heading", name="Kommuner", exact=True)).to_be_visible()
        page.get_by_label("Navn", exact=True).first.fill("Udby Kommune")
        page.locator("#o-name").fill("Borgmesterens Forvaltning")
        page.locator("#a-username").fill("ulla")
        page.locator("#a-name").fill("Ulla Udby")
        page.locator("#a-email").fill("ulla@udby.dk")
        page.locator("#a-password").fill("ulla-sin-adgangskode")
        think(page)
        page.get_by_role("button", name="Opret kommunen").click()
        expect(page.get_by_text("Udby Kommune er oprettet")).to_be_visible()
        expect(page.get_by_role("cell", name="ulla", exact=True)).to_be_visible()
        shot("30-ny-kommune")
        logout()
        took["driften opretter kommunen"] = time.monotonic() - start

        # The new admin: the letterhead and logo, the sample letter, a unit.
        start = time.monotonic()
        login("ulla", "ulla-sin-adgangskode")
        page.get_by_role("link", name="Kommunen", exact=True).click()
        for field, value in (("unit", "Borgmestersekretariatet"), ("street", "Torvet 1"), ("postcode", "9999"),
                             ("city", "Udby"), ("phone", "99 99 99 99"), ("email", "post@udby.dk"), ("web", "udby.dk")):
            page.locator(f"#{field}-{ORG}").fill(value)
        page.locator(f"#colour-{ORG}").fill("#2a7a3b")
        think(page)
        page.get_by_role("button", name="Gem brevhovedet for Borgmesterens Forvaltning").click()
        expect(page.get_by_text("Brevhovedet er gemt")).to_be_visible()
        page.locator(f"#png-{ORG}").set_input_files(str(logo))
        think(page)
        page.get_by_role("button", name="Gem logo for Borgmesterens Forvaltning").click()
        expect(page.get_by_text("Logoet er gemt")).to_be_visible()
        sample = page.request.get(f"{base}/admin/organisationer/{ORG}/proeve.pdf?kind=brev")
        assert sample.ok and sample.headers["content-type"] == "application/pdf"
        (tmp_path / "proeve.pdf").write_bytes(sample.body())
        assert "Torvet 1" in pdftotext(tmp_path / "proeve.pdf")
        page.locator("#unit-name").fill("Sekretariatet")
        think(page)
        page.get_by_role("button", name="Opret enhed").click()
        expect(page.get_by_text("Enheden er oprettet")).to_be_visible()
        shot("31-kommunen-sat-op")

        # Two users: a drafter and the director, who signs.
        page.get_by_role("link", name="Brugere", exact=True).click()
        for username, name, title, role in (("sara", "Sara Sekretær", "Fuldmægtig", "Sekretariat"),
                                            ("dennis", "Dennis Direktør", "Kommunaldirektør", "Direktør")):
            page.locator("#username").fill(username)
            page.locator("#name").fill(name)
            page.locator("#title").fill(title)
            page.locator("#email").fill(f"{username}@udby.dk")
            page.locator("#new-unit").select_option(label=f"Sekretariatet ({ORG})")
            page.locator("#new-role").select_option(label=role)
            page.locator("#password").fill(f"{username}-sin-adgangskode")
            think(page)
            page.get_by_role("button", name="Opret bruger").click()
            expect(page.get_by_text("Brugeren er oprettet")).to_be_visible()
        shot("32-brugere")
        logout()
        took["administratoren sætter kommunen op"] = time.monotonic() - start

        # The drafter: an inquiry, a letter answering it, sent for approval.
        start = time.monotonic()
        login("sara", "sara-sin-adgangskode")
        page.get_by_role("link", name="Ny henvendelse").click()
        page.get_by_label("Titel", exact=True).fill("Åbningstider på biblioteket")
        page.get_by_label("Spørger").fill("Bo Byrådsmedlem")
        page.locator("#q1").fill("Hvornår holder biblioteket åbent i julen?")
        think(page)
        page.get_by_role("button", name="Opret henvendelse").click()
        expect(page.get_by_role("heading", name="Spørgsmål")).to_be_visible()
        page.get_by_role("button", name="Nyt brev").click()
        section = page.locator("section.card").first
        section.get_by_role("button", name="Tilføj tekst").click()
        page.locator("section.card").first.locator("textarea").fill(
            "Biblioteket holder åbent som normalt, dog lukket den 24. til 26. december.")
        expect(page.locator("#saved")).to_contain_text("Gemt kl.", timeout=10_000)
        think(page)
        page.get_by_role("button", name="Send til godkendelse").click()
        expect(page.get_by_text("Brevet er sendt til godkendelse.")).to_be_visible()
        letter_url = page.url.split("?")[0]
        logout()

        # The director approves it; the PDF is on the new letterhead, signed by her.
        login("dennis", "dennis-sin-adgangskode")
        page.get_by_role("link", name="Godkendelse", exact=True).click()
        page.locator("table.list a").first.click()
        think(page)
        page.get_by_role("button", name="Godkend brevet").click()
        expect(page.get_by_text("Brevet er godkendt.")).to_be_visible()
        shot("33-foerste-brev-godkendt")
        pdf = page.request.get(f"{letter_url}/dokument.pdf")
        assert pdf.ok
        (tmp_path / "godkendt.pdf").write_bytes(pdf.body())
        (SHOTS / "33-foerste-brev-godkendt.pdf").write_bytes(pdf.body())
        took["det første brev skrives og godkendes"] = time.monotonic() - start
        browser.close()
    text = squash(pdftotext(tmp_path / "godkendt.pdf"))
    assert all(squash(part) in text for part in ("Torvet 1", "9999 Udby", "Borgmestersekretariatet"))
    assert squash("Godkendt af Dennis Direktør, Kommunaldirektør") in text
    assert squash("dog lukket den 24. til 26. december") in text
    for what, seconds in took.items():
        print(f"{what}: {seconds:.0f} s in Chromium (with a pause of {2.5:.1f} s before each form)")
