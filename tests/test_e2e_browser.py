"""The whole day in Debian's Chromium: paste an e-mail, draft from suggestions, return, fix, approve, download."""

import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.bank.service import import_path
from app.db import make_engine
from app.migrate import upgrade
from app.models import Person
from tests.conftest import BANK, ROOT, SEEDS
from tests.documents import pdftotext, seed_docx, squash
from tests.mail_server import free_port

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "output" / "e2e"
PASSWORD = "en-god-adgangskode"
TOUCH_SECONDS = 2


def think(page) -> None:
    """Pause as a person does before sending a form: longer than the server's session touch interval."""
    page.wait_for_timeout(TOUCH_SECONDS * 1000 + 500)


def _need_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (Debian package chromium)")
        pytest.skip(f"{CHROMIUM} not installed (Debian package chromium); the browser test needs it")
    if importlib.util.find_spec("playwright") is None:
        pytest.fail("the playwright package is missing; make test installs it")


@pytest.fixture
def server(tmp_path):
    """Besvar on a free local port, on its own SQLite database with the bank, a drafter, a director, an admin and
    the operator."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert all(r.error is None for r in import_path(engine, BANK))
    with Session(engine) as session:
        henrik = session.exec(select(Person).where(Person.key == "henrik-lund")).one()
        # Both work in Copenhagen's Beskæftigelses- og Integrationsforvaltningen, Henrik's organisation.
        auth_service.add_user(session, username="sara", role="drafter", name="Sara Sekretær", password=PASSWORD,
                              organisation_id=henrik.organisation_id)
        auth_service.add_user(session, username="henrik", role="approver", name="Henrik Lund",
                              title="Administrerende direktør", password=PASSWORD, person_id=henrik.id,
                              organisation_id=henrik.organisation_id)
        # The municipality's admin, and the operator who runs Besvar: their pages are checked too (test_accessibility).
        auth_service.add_user(session, username="anders", role="admin", name="Anders Admin", password=PASSWORD,
                              organisation_id=henrik.organisation_id)
        auth_service.add_user(session, username="drift", role="operator", name="Dorte Drift", password=PASSWORD, operator=True)
    engine.dispose()
    with serve(url) as base:
        yield base


@contextmanager
def serve(url: str, *, port: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """`besvar serve` on `url`'s database at a free local port (or `port`), until the block ends; yields its address."""
    port = port or free_port()
    # Sessions are touched every 2 s instead of every minute, so the pauses below (think()) pass the
    # touch as a person's do, without making the test wait minutes.
    env = {**os.environ, "DATABASE_URL": url, "SESSION_TOUCH_SECONDS": str(TOUCH_SECONDS), **(env or {})}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("besvar")), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + proc.stdout.read().decode()[-2000:])
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _browser(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])


def _login(page, server: str, user: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/login")
    page.get_by_label("Brugernavn").fill(user)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Indbakke")).to_be_visible()


def test_the_whole_day_in_the_browser(server, tmp_path):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("0*.png"):
        old.unlink()
    seed = (SEEDS / "kk-beskaeftigelse-me-cfs-svar-2023.txt").read_text(encoding="utf-8")
    mail = ("Fra: Klaus Goldschmidt Henriksen <Klaus_Goldschmidt_Henriksen@kk.dk>\nSendt: 11. maj 2023 14:32\n"
            "Emne: Udskydelse af sager i jobcentret samt behandling af ME-patienter\n\n"
            + seed[seed.index("Spørgsmål") : seed.index("Beskæftigelses- og Integrationsforvaltningens svar")]
            + "\nMed venlig hilsen\nKlaus")
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        shot = lambda name: page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # noqa: E731
        login = lambda user: _login(page, server, user)  # noqa: E731

        def logout() -> None:
            page.get_by_role("button", name="Log ud").click()
            expect(page.get_by_role("heading", name="Log ind i Besvar")).to_be_visible()

        # The drafter pastes the e-mail; the questions, title, asker and date come out of it.
        login("sara")
        shot("01-indbakke")
        page.get_by_role("link", name="Ny henvendelse").click()
        page.get_by_label("Indsæt politikerens e-mail").fill(mail)
        page.get_by_role("button", name="Find spørgsmålene").click()
        expect(page.get_by_text("Fandt 3 spørgsmål")).to_be_visible()
        expect(page.get_by_label("Titel", exact=True)).to_have_value("Udskydelse af sager i jobcentret samt behandling af ME-patienter")
        expect(page.locator("#frist")).to_contain_text("Svarfrist: 26. maj 2023")
        page.get_by_label("Forvaltning").select_option(label="Københavns Kommune, Beskæftigelses- og Integrationsforvaltningen")
        page.locator("#cs0").fill("F2")
        page.locator("#ck0").fill("sagsnummer")
        page.locator("#cn0").fill("2023 - 8126")
        shot("02-ny-henvendelse")
        think(page)
        page.get_by_role("button", name="Opret henvendelse").click()
        expect(page.get_by_role("heading", name="Spørgsmål")).to_be_visible()
        page.get_by_role("button", name="Nyt brev").click()

        # Draft every answer from the suggested paragraphs.
        for n in (1, 2, 3):
            section = page.locator("section.card").nth(n - 1)
            section.locator(".suggestions button").first.click()
            expect(page.locator("section.card").nth(n - 1).locator(".block.paragraph")).to_have_count(1)
        shot("03-kladde")
        # The preview follows each change (app.js sets an absolute address after an in-place update).
        preview = page.request.get(urljoin(server, page.locator("#preview").get_attribute("src")))
        assert preview.ok and preview.headers["content-type"] == "application/pdf"
        think(page)
        page.get_by_role("button", name="Send til godkendelse").click()
        expect(page.get_by_text("Brevet er sendt til godkendelse.")).to_be_visible()
        letter_url = page.url.split("?")[0]
        logout()

        # The director returns it with a comment.
        login("henrik")
        page.get_by_role("link", name="Godkendelse", exact=True).click()
        shot("04-godkendelse")
        page.locator("table.list a").first.click()
        page.get_by_label("Kommentar til sekretariatet").fill("Tilføj en sætning om, hvad forvaltningen gør nu.")
        shot("05-gennemsyn")
        think(page)
        page.get_by_role("button", name="Send retur").click()
        expect(page.get_by_text("sendt retur til sekretariatet")).to_be_visible()
        logout()

        # The drafter sees the comment, adds a sentence (autosaved), and resubmits.
        login("sara")
        page.goto(letter_url)
        expect(page.get_by_text("Tilføj en sætning om, hvad forvaltningen gør nu.")).to_be_visible()
        page.locator("section.card").first.get_by_role("button", name="Tilføj tekst").click()
        box = page.locator("section.card").first.locator("textarea")
        think(page)
        box.fill("Forvaltningen følger udviklingen tæt og vender tilbage med status i efteråret.")
        # "tæt" selected and made bold with the toolbar: the mark is written into the text, and autosaved.
        box.evaluate("el => { const i = el.value.indexOf('tæt'); el.setSelectionRange(i, i + 3); }")
        page.locator("section.card").first.get_by_role("toolbar").get_by_role("button", name="Fed").click()
        expect(page.locator("#saved")).to_contain_text("Gemt kl.", timeout=10_000)
        page.reload()
        expect(page.locator("section.card").first.locator("textarea")).to_have_value(
            "Forvaltningen følger udviklingen **tæt** og vender tilbage med status i efteråret.")
        shot("06-rettet-kladde")
        think(page)
        page.get_by_role("button", name="Send til godkendelse").click()
        expect(page.get_by_text("Brevet er sendt til godkendelse.")).to_be_visible()
        logout()

        # The director approves; the PDF carries the case number and the approval.
        login("henrik")
        page.get_by_role("link", name="Godkendelse", exact=True).click()
        page.locator("table.list a").first.click()
        think(page)
        page.get_by_role("button", name="Godkend brevet").click()
        expect(page.get_by_text("Brevet er godkendt.")).to_be_visible()
        shot("07-godkendt")
        pdf = page.request.get(f"{letter_url}/dokument.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        path = tmp_path / "godkendt.pdf"
        path.write_bytes(pdf.body())
        page.goto(f"{server}/historik?letter_id={letter_url.rsplit('/', 1)[1]}")
        expect(page.get_by_role("cell", name="Godkendt", exact=True).first).to_be_visible()  # the chain check is an admin's
        expect(page.get_by_role("cell", name="Sara Sekretær").first).to_be_visible()
        shot("08-historik")
        browser.close()
    text = squash(pdftotext(path))
    assert "2023-8126" in text and squash("Godkendt af Henrik Lund, Administrerende direktør") in text
    assert squash("Forvaltningen følger udviklingen tæt") in text
    assert "Ad1:" in text and "Ad3:" in text


def test_old_letters_are_read_checked_and_stored_in_the_browser(server, tmp_path):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    old_letter = tmp_path / "aalborg-notat-2014.docx"
    old_letter.write_bytes(seed_docx("aalborg-notat-syg-i-aalborg-2014.txt"))
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        _login(page, server, "sara")
        page.get_by_role("link", name="Bibliotek").click()
        page.get_by_role("link", name="Indlæs tidligere svar (DOCX eller PDF)").click()

        # Nothing chosen: a Danish message on the same page, nothing stored.
        page.get_by_role("button", name="Læs filerne").click()
        expect(page.get_by_role("alert")).to_contain_text("Vælg mindst én fil.")

        # The old notat is read into a proposal a person checks and corrects before anything is stored.
        page.get_by_label("Filer").set_input_files(str(old_letter))
        page.get_by_role("button", name="Læs filerne").click()
        expect(page.get_by_role("heading", name="aalborg-notat-2014.docx")).to_be_visible()
        expect(page.locator("fieldset")).to_have_count(11)
        expect(page.get_by_label("Titel", exact=True)).to_have_value(re.compile("^Svar på spørgsmål i forlængelse af mødet"))
        page.get_by_label("Titel", exact=True).fill("Syg i Aalborg – spørgsmål fra mødet (indlæst)")
        page.get_by_label("Spurgt af (navn, rolle)").fill("Jens Jensen, byrådsmedlem")
        page.screenshot(path=str(SHOTS / "10-indlaes-forslag.png"), full_page=True)
        page.get_by_role("button", name="Gem i biblioteket").click()

        # Stored as an answered inquiry with its questions, which the inbox now lists.
        expect(page.get_by_role("heading", name="Syg i Aalborg – spørgsmål fra mødet (indlæst)")).to_be_visible()
        expect(page.get_by_text("Jens Jensen")).to_be_visible()
        page.screenshot(path=str(SHOTS / "11-indlaest-henvendelse.png"), full_page=True)
        page.goto(f"{server}/indbakke?q=indlæst")
        expect(page.locator("table.list tbody tr")).to_have_count(1)
        browser.close()


def test_the_api_documentation_draws_under_the_csp(server):
    """/docs in Chromium: Swagger UI starts from a script file, and the page's CSP blocks nothing it needs."""
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{server}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Besvar")
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        browser.close()
    assert blocked == []


def _new_letter(page, server: str, questions: int) -> str:
    """A draft answering a pasted e-mail with `questions` numbered questions; its editor's address."""
    from playwright.sync_api import expect

    mail = ("Fra: Anne Testesen <anne@kk.dk>\nEmne: Mange spørgsmål om skolernes indeklima\n\n"
            + "\n".join(f"{n}. Hvor mange skoler havde målinger af indeklimaet i kvartal {n}?" for n in range(1, questions + 1)))
    page.goto(f"{server}/henvendelser/ny")
    page.get_by_label("Indsæt politikerens e-mail").fill(mail)
    page.get_by_role("button", name="Find spørgsmålene").click()
    expect(page.get_by_text(f"Fandt {questions} spørgsmål")).to_be_visible()
    page.get_by_label("Modtaget").fill("2026-11-02")
    page.get_by_label("Forvaltning").select_option(label="Københavns Kommune, Beskæftigelses- og Integrationsforvaltningen")
    page.get_by_role("button", name="Opret henvendelse").click()
    page.get_by_role("button", name="Nyt brev").click()
    expect(page.locator("#draft")).to_be_visible()
    return page.url.split("?")[0]


def test_block_buttons_update_in_place_and_focus_follows_the_block(server):
    """Tilføj tekst, ↑, Fjern and Indsæt far down a long letter: the page stays where it is, focus is on the block."""
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="da-DK")
        _login(page, server, "sara")
        letter_url = _new_letter(page, server, 12)
        section = page.locator("#draft section.card").nth(7)  # question 8, far below the first screen
        section.scroll_into_view_if_needed()
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(200)
        assert page.evaluate("window.scrollY") > 1000

        def in_place(after: str) -> None:
            """Question 8 is still on the screen and the focused element is in view: the page did not jump."""
            section, focus = page.evaluate("""[document.querySelectorAll('#draft section.card')[7].getBoundingClientRect(),
                                               document.activeElement.getBoundingClientRect()].map(r => [r.top, r.bottom])""")
            height = page.evaluate("window.innerHeight")
            assert section[0] < height and section[1] > 0, f"question 8 left the screen after {after}"
            assert -1 <= focus[0] and focus[1] <= height + 1, f"the focused block is out of view after {after}"

        # Focus is set once htmx has settled the swap: each check waits for it (and typing waits for it).
        section = page.locator("#draft section.card").nth(7)
        textareas = section.locator("textarea")
        section.get_by_role("button", name="Tilføj tekst til svar 8").click()
        expect(textareas).to_have_count(1)
        expect(textareas.first).to_be_focused()
        in_place("Tilføj tekst")
        page.keyboard.type("Første afsnit.")
        section.get_by_role("button", name="Tilføj tekst til svar 8").click()
        expect(textareas).to_have_count(2)
        expect(textareas.nth(1)).to_be_focused()
        page.keyboard.type("Andet afsnit.")  # the new block's "Skriv svaret her." is selected: typing replaces it

        # ↑ on the second block: it moves up, and focus stays on its ↑ button at the new place.
        section.get_by_role("button", name="Flyt blok 2 i svar 8 op").click()
        expect(textareas.first).to_have_value("Andet afsnit.")
        expect(textareas.nth(1)).to_have_value("Første afsnit.")
        expect(section.get_by_role("button", name="Flyt blok 1 i svar 8 op")).to_be_focused()
        in_place("↑")

        # Fjern the first: the one left takes focus.
        section.get_by_role("button", name="Fjern blok 1 i svar 8").click()
        expect(textareas).to_have_count(1)
        expect(section.locator(".block").first).to_be_focused()
        assert section.locator(".block").first.get_attribute("aria-label") == "Blok 1 i svar 8"
        in_place("Fjern")

        # The preview and the saved letter follow; a reload shows what was left.
        version = page.locator("#version").input_value()
        assert page.locator("#submit-version").input_value() == version
        assert f"v={version}" in page.locator("#preview").get_attribute("src")
        page.goto(letter_url)
        expect(page.locator("#draft section.card").nth(7).locator("textarea")).to_have_value("Første afsnit.")
        browser.close()


def _coordination_world(url: str) -> tuple[int, str]:
    """A fagenhed (Jobcenter) with Jonas in BIF, a second forvaltning (SUF) and an inquiry received today; its id and
    the deadline after a later extension (five working days on)."""
    import datetime as dt

    from app.inquiries import deadlines
    from app.inquiries import service as inquiry_service
    from app.inquiries.schemas import InquiryIn
    from app.models import Organisation
    from app.organisations import structure
    from tests.test_isolation import add_second_copenhagen_organisation

    engine = make_engine(url)
    with Session(engine) as session:
        add_second_copenhagen_organisation(session)
        bif = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        structure.add_unit(session, key="kk-jobcenter", name="Jobcenter København", organisation_id=bif.id, lead=None)
        session.commit()
        auth_service.add_user(session, username="jonas", role="contributor", name="Jonas Jobcenter", password=PASSWORD,
                              units=[("kk-jobcenter", "contributor")])
        inquiry = inquiry_service.create(session, user=None, data=InquiryIn.model_validate({
            "title": "Ventetider og sygedagpenge", "asker": {"name": "Klaus Goldschmidt Henriksen", "role": "MB"},
            "received_on": deadlines.today().isoformat(), "organisation": "kk-bif",
            "case_refs": [{"system": "F2", "kind": "sagsnummer", "number": "2026 - 4711"}],
            "questions": [{"text": "Hvor lang er ventetiden på en lægekonsulentvurdering?"},
                          {"text": "Hvor mange sygedagpengesager er forlænget i år?"}]}))
    engine.dispose()
    extended = deadlines.add_working_days(inquiry.deadline, 5)
    assert isinstance(extended, dt.date)
    return inquiry.id, extended.isoformat()


def test_a_multi_unit_inquiry_from_allocation_to_approved_answer(server, tmp_path):
    """Allocate → ask two units → one answers by link on a phone, one in Besvar → insert both → extend the deadline
    with an interim reply, approved and exported → approve the answer. A person's pause before every form."""
    _need_browser()
    import io
    import json
    import zipfile

    import pikepdf
    from playwright.sync_api import expect, sync_playwright

    iid, extended = _coordination_world(f"sqlite:///{tmp_path / 'e2e.db'}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    attachment = tmp_path / "ventetider.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(attachment)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        shot = lambda name: page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # noqa: E731

        def logout() -> None:
            page.get_by_role("button", name="Log ud").click()
            expect(page.get_by_role("heading", name="Log ind i Besvar")).to_be_visible()

        # The secretariat allocates, then asks SUF (by link) and the Jobcenter (in Besvar) for one question each.
        _login(page, server, "sara")
        inquiry_url = f"{server}/henvendelser/{iid}"
        page.goto(inquiry_url)
        page.get_by_text("Fordel til enhed og sagsbehandler").click()
        page.locator("#allocate-unit").select_option("kk-bif")
        page.locator("#allocate-assignee").select_option("sara")
        think(page)
        page.get_by_role("button", name="Fordel", exact=True).click()
        expect(page.get_by_text("Sara Sekretær").first).to_be_visible()
        links = {}
        for unit, number, note in (("kk-suf", 1, "Hvad er ventetiden i jeres lægekonsulentteam?"),
                                   ("kk-jobcenter", 2, "Antal forlængede sager i 2026, tak.")):
            page.get_by_text("Bed en enhed om et bidrag").click()
            page.locator("#ask-unit").select_option(unit)
            page.locator("#ask input[name=question]").nth(number - 1).check()
            page.locator("#ask-note").fill(note)
            think(page)
            page.get_by_role("button", name="Bed om bidrag").click()
            links[unit] = page.get_by_label("Link til bidraget").input_value()
        expect(page.locator("#contributions tbody tr")).to_have_count(2)
        expect(page.get_by_text("Afventer bidrag").first).to_be_visible()
        shot("11-bidrag-anmodet")
        logout()

        # SUF's fagperson answers from a phone, without logging in, with an attachment.
        phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True)
        mobile = phone.new_page()
        mobile.goto(links["kk-suf"])
        expect(mobile.get_by_text("Hvad er ventetiden i jeres lægekonsulentteam?")).to_be_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
        mobile.get_by_label("Dit navn og din enhed").fill("Sofie Sundby, SUF")
        mobile.get_by_label("Bidrag", exact=True).fill("Ventetiden er 41 dage i gennemsnit.")
        mobile.locator("#files").set_input_files(str(attachment))
        mobile.screenshot(path=str(SHOTS / "12-bidrag-paa-telefon.png"), full_page=True)
        think(mobile)
        mobile.get_by_role("button", name="Send bidrag").click()
        expect(mobile.get_by_role("heading", name="Tak for bidraget")).to_be_visible()
        mobile.goto(links["kk-suf"])  # used: the link no longer works
        expect(mobile.get_by_text("allerede afgivet")).to_be_visible()
        phone.close()

        # The Jobcenter's Jonas answers in Besvar.
        _login(page, server, "jonas")
        page.get_by_role("link", name="1 bidrag venter på jer").click()
        page.get_by_role("link", name="Ventetider og sygedagpenge").click()
        page.get_by_label("Bidrag", exact=True).fill("I år er 312 sager forlænget.")
        think(page)
        page.get_by_role("button", name="Send bidrag").click()
        expect(page.get_by_text("Bidraget er sendt. Tak.")).to_be_visible()
        logout()

        # The drafter inserts both, each beside its question, marked with who wrote it.
        _login(page, server, "sara")
        page.goto(inquiry_url)
        expect(page.locator("#contributions")).to_contain_text("Sofie Sundby, SUF")
        think(page)
        page.get_by_role("button", name="Nyt brev").click()
        letter_url = page.url.split("?")[0]
        for number, unit in ((1, "Direktionen"), (2, "Jobcenter København")):
            page.get_by_role("button", name=f"Indsæt bidraget fra {unit} i svar {number}").click()
            expect(page.locator(f"section.card").nth(number - 1).locator(".provenance")).to_contain_text(f"Bidrag fra {unit}")
        expect(page.locator("section.card").nth(0).locator("textarea")).to_have_value("Ventetiden er 41 dage i gennemsnit.")
        shot("13-bidrag-indsat")

        # The deadline is moved, and the asker gets an interim reply.
        page.goto(inquiry_url)
        page.get_by_text("Ændr fristen").click()
        page.locator("#extend-deadline").fill(extended)
        page.locator("#extend-reason").fill("Afventer tal fra Jobcentret")
        think(page)
        page.get_by_role("button", name="Gem ny frist").click()
        expect(page.get_by_role("heading", name="Fristen")).to_be_visible()
        think(page)
        page.get_by_role("button", name="Foreløbigt svar").click()
        interim_url = page.url.split("?")[0]
        expect(page.locator("#expected_answer_on")).to_have_value(extended)
        think(page)
        page.get_by_role("button", name="Send til godkendelse").click()
        expect(page.get_by_text("Brevet er sendt til godkendelse.")).to_be_visible()
        page.goto(letter_url)
        think(page)
        page.get_by_role("button", name="Send til godkendelse").click()
        expect(page.get_by_text("Brevet er sendt til godkendelse.")).to_be_visible()
        logout()

        # The director approves the interim reply first, then the answer.
        _login(page, server, "henrik")
        for url in (interim_url, letter_url):
            page.goto(url.replace("/breve/", "/godkendelse/"))
            think(page)
            page.get_by_role("button", name="Godkend brevet").click()
            expect(page.get_by_text("Brevet er godkendt.")).to_be_visible()
        bundle = page.request.get(f"{interim_url}/esdh.zip")
        assert bundle.ok, bundle.status
        bundle_bytes = bundle.body()
        answer_bytes = page.request.get(f"{letter_url}/esdh.zip").body()
        page.goto(inquiry_url)
        expect(page.get_by_text("Besvaret").first).to_be_visible()
        shot("14-besvaret")
        browser.close()
    with zipfile.ZipFile(io.BytesIO(bundle_bytes)) as z:
        interim = json.loads(z.read("metadata.json"))
    assert interim["document_kind"] == "foreløbigt" and interim["document_type"] == "Udgående brev"
    with zipfile.ZipFile(io.BytesIO(answer_bytes)) as z:
        meta = json.loads(z.read("metadata.json"))
    assert {(c["unit"], c["answered_by"]) for c in meta["contributions"]} == {
        ("Direktionen", "Sofie Sundby, SUF"), ("Jobcenter København", "Jonas Jobcenter")}


def test_a_mail_to_the_shared_mailbox_becomes_an_inquiry_and_mails_the_people_it_concerns_once(server, tmp_path):
    """The Done-when of issue 20: a council member's mail to the shared mailbox (Dovecot) is in Indgående within the
    worker's poll; accepted, allocated and a contribution asked, each person concerned gets one mail (aiosmtpd).
    A saved Outlook mail dropped on the page goes into Indgående too."""
    _need_browser()
    from email.message import EmailMessage

    from playwright.sync_api import expect, sync_playwright

    from app.models import User
    from app.organisations import structure
    from tests.imap_server import DOVECOT, ImapServer
    from tests.mail_server import SmtpServer
    from tests.msg_files import outlook_message

    if DOVECOT is None:
        pytest.fail("Dovecot is missing (Debian package dovecot-imapd)") if os.environ.get("BESVAR_TEST_TOOLS") == "1" \
            else pytest.skip("Dovecot not installed (Debian package dovecot-imapd)")
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = make_engine(url)
    with Session(engine) as session:
        sara = session.exec(select(User).where(User.username == "sara")).one()
        sara.email = "sara@kk.dk"
        session.add(sara)
        session.commit()
        bif = sara.organisation_id
        structure.add_unit(session, key="kk-jobcenter", name="Jobcenter København", organisation_id=bif, lead=None)
        session.commit()
        auth_service.add_user(session, username="mette", role="drafter", name="Mette Madsen", password=PASSWORD,
                              email="mette@kk.dk", organisation_id=bif)
        auth_service.add_user(session, username="jonas", role="contributor", name="Jonas Jobcenter", password=PASSWORD,
                              email="jonas@kk.dk", units=[("kk-jobcenter", "contributor")])
    engine.dispose()
    smtp, imap = SmtpServer(), ImapServer()
    smtp.start()
    imap.start()
    env = {**os.environ, "DATABASE_URL": url, "SMTP_URL": smtp.url, "IMAP_URL": imap.url, "IMAP_USERNAME": imap.username,
           "IMAP_PASSWORD": imap.password, "IMAP_ORGANISATION": "kk-bif", "IMAP_POLL_SECONDS": "5",
           "WORKER_INTERVAL_SECONDS": "1"}
    worker = subprocess.Popen([str(Path(sys.executable).with_name("besvar")), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        mail = EmailMessage()
        mail["From"], mail["To"] = "Klaus Goldschmidt Henriksen <klaus@kk.dk>", "bif-sekretariat@kk.dk"
        mail["Subject"], mail["Message-ID"] = "Sygedagpenge og lægekonsulenter", "<klaus-2026-1@kk.dk>"
        mail["Date"] = "Thu, 03 Dec 2026 08:15:00 +0100"
        mail.set_content("Kære forvaltning\n\n1. Hvor lang er ventetiden på en lægekonsulentvurdering?\n"
                         "2. Hvor mange sygedagpengesager er forlænget i år?\n\nVenlig hilsen\nKlaus")
        imap.deliver(mail.as_bytes())
        with sync_playwright() as p:
            browser = _browser(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
            _login(page, server, "sara")
            page.get_by_role("link", name="Indgående").click()
            started = time.monotonic()
            while page.get_by_text("Sygedagpenge og lægekonsulenter").count() == 0 and time.monotonic() - started < 60:
                page.wait_for_timeout(1000)
                page.reload()
            expect(page.locator("#incoming")).to_contain_text("Klaus Goldschmidt Henriksen")
            page.get_by_text("2", exact=True).first.click()  # the questions, unfolded
            expect(page.locator("#incoming")).to_contain_text("Hvor mange sygedagpengesager er forlænget i år?")
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "15-indgaaende.png"), full_page=True)

            # A saved Outlook mail dropped on the upload card is put in Indgående as well.
            saved = outlook_message(subject="Cykelstier på Amager", body="1. Hvornår er stien færdig?\n",
                                    sender_name="Bo Bøgh", sender_email="bo@kk.dk",
                                    date="Wed, 02 Dec 2026 10:00:00 +0100", message_id="bo-1@kk.dk")
            page.evaluate("""(bytes) => {
                const data = new DataTransfer();
                data.items.add(new File([new Uint8Array(bytes)], "Cykelstier.msg", {type: "application/vnd.ms-outlook"}));
                const card = document.querySelector("form[data-drop]");
                for (const name of ["dragenter", "dragover", "drop"]) {
                  card.dispatchEvent(new DragEvent(name, {dataTransfer: data, bubbles: true, cancelable: true}));
                }
            }""", list(saved))
            expect(page.get_by_text("Mailen er lagt i Indgående.")).to_be_visible()
            expect(page.locator("#incoming")).to_contain_text("Cykelstier på Amager")

            think(page)
            page.get_by_role("button", name="Opret henvendelse af Sygedagpenge og lægekonsulenter").click()
            expect(page.get_by_role("heading", name="Sygedagpenge og lægekonsulenter")).to_be_visible()
            page.get_by_text("Fordel til enhed og sagsbehandler").click()
            page.locator("#allocate-unit").select_option("kk-bif")
            page.locator("#allocate-assignee").select_option("mette")
            think(page)
            page.get_by_role("button", name="Fordel", exact=True).click()
            expect(page.get_by_text("Mette Madsen").first).to_be_visible()
            page.get_by_text("Bed en enhed om et bidrag").click()
            page.locator("#ask-unit").select_option("kk-jobcenter")
            page.locator("#ask input[name=question]").nth(1).check()
            page.locator("#ask-note").fill("Antal forlængede sager i 2026, tak.")
            think(page)
            page.get_by_role("button", name="Bed om bidrag").click()
            link = page.get_by_label("Link til bidraget").input_value()
            browser.close()
        started = time.monotonic()
        while len(smtp.handler.received) < 2 and time.monotonic() - started < 60:
            time.sleep(0.5)
        time.sleep(3)  # three more rounds of the worker: nothing is sent twice
    finally:
        worker.terminate()
        worker.wait(10)
        smtp.stop()
        imap.stop()
    sent = sorted((m.to[0], m.message["Subject"]) for m in smtp.handler.received)
    assert sent == [("jonas@kk.dk", sent[0][1]), ("mette@kk.dk", "Ny henvendelse til dig: Sygedagpenge og lægekonsulenter")], sent
    assert sent[0][1].startswith("Bidrag ønskes senest") and sent[0][1].endswith("Sygedagpenge og lægekonsulenter")
    to_jonas = next(m for m in smtp.handler.received if m.to == ["jonas@kk.dk"])
    # The login-free link (at PUBLIC_URL, which the server here leaves at its default), never the questions.
    assert link.split("/", 3)[3] in to_jonas.body() and "lægekonsulentvurdering" not in to_jonas.body()
