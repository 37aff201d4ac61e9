"""Every write at a person's pace: the clock moves past the session's touch interval, its idle and absolute timeouts first.

People read, think and fetch coffee between clicks. The first wave's tests clicked at machine speed,
so a form sent more than a minute after the page was opened (the session's touch) ended in a 500.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from app.auth import service as auth_service
from app.inquiries import service as inquiry_service
from app.inquiries.schemas import InquiryIn
from app.models import (
    Contribution,
    CouncilList,
    Dispatch,
    IncomingItem,
    Inquiry,
    Letter,
    LetterheadLogo,
    LetterStatus,
    Municipality,
    Organisation,
    OutboxMessage,
    Publication,
    Question,
    User,
)
from tests.conftest import PASSWORD, api_routes
from tests.documents import seed_docx
from tests.test_isolation import add_second_copenhagen_organisation

PEOPLE = ("drafter", "approver", "admin", "operator")  # web-operator runs Besvar (tests/conftest.py)
IDLE = timedelta(minutes=31)  # past Settings.session_idle_minutes (30)
TOUCH = timedelta(seconds=61)  # past the once-a-minute touch


@dataclass
class Day:
    """Two people at work on one database, under one moved clock."""

    web: Callable[[str | None], TestClient]
    engine: object
    clock: "time_machine.Traveller | None"
    clients: dict[str, TestClient] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    def login(self, role: str) -> TestClient:
        c = self.clients.get(role) or self.web(None)
        r = c.post("/login", data={"username": f"web-{role}", "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text
        self.clients[role] = c
        return c

    def csrf(self, role: str, path: str = "/indbakke") -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.clients[role].get(path).text)[1]

    def pause(self, delta: timedelta) -> None:
        self.clock.shift(delta)


def _editor(day: Day) -> tuple[str, str, list[str]]:
    """The draft editor's version, first insert action and block keys."""
    page = day.clients["drafter"].get(f"/breve/{day.ids['letter']}").text
    version = re.search(r'name="version" value="(\d+)" id="version"', page)[1]
    inserts = re.findall(r'name="action" value="(insert:\d+:\d+)"', page)
    blocks = re.findall(r'name="blk" value="([^"]+)"', page)
    return version, inserts[0] if inserts else "", blocks


def _answered_form(day: Day, csrf: str) -> dict:
    """A save of the draft that answers every question with free text."""
    version, _insert, _blocks = _editor(day)
    with Session(day.engine) as session:
        qids = list(session.exec(select(Question.id).where(Question.inquiry_id == day.ids["inquiry"])
                                 .order_by(Question.number)))
    form: dict = {"csrf": csrf, "version": version, "title": "Svar om ventetider", "kind": "brev", "action": "save",
                  "blk": []}
    for n, qid in enumerate(qids, start=1):
        form["blk"].append(f"{qid}:t:0:0:{n}")
        form[f"txt-{n}"] = f"Forvaltningen svarer på spørgsmål {n} her."
    return form


def _docx() -> bytes:
    return seed_docx("kk-beskaeftigelse-me-cfs-svar-2023.txt")


# Each page write, in the order of a working day: (role, method, path, form, what it changed).
def _new_inquiry(day: Day, csrf: str):
    return "drafter", "/henvendelser/ny", {
        "csrf": csrf, "action": "opret", "title": "Ventetider i jobcentret", "asker_name": "Anne Testesen",
        "received_on": "2024-12-02", "organisation": "kk-bif", "question": ["Hvor lang er ventetiden?", "Hvad gøres?"]}


def _interpret(day: Day, csrf: str):
    return "drafter", "/henvendelser/ny", {"csrf": csrf, "action": "fortolk",
                                           "mail": "Spørgsmål:\n1. Hvor lang er ventetiden?\n2. Hvad gøres ved den?"}


def _correct_inquiry(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/ret", {
        "csrf": csrf, "title": "Ventetider i jobcentret (rettet)", "asker_name": "Anne Testesen", "received_on": "2024-12-03",
        "case_system": "F2", "case_kind": "sagsnummer", "case_number": "2024-0001", "reason": "Forkert dato"}


def _allocate(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/fordel", {"csrf": csrf, "unit": "kk-bif", "assignee": "web-drafter"}


def _hand_back(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/giv-tilbage", {"csrf": csrf, "reason": "Ikke mit område"}


def _extend(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/frist", {"csrf": csrf, "deadline": "2025-01-06", "reason": "Afventer tal"}


def _transfer(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['spare_transfer']}/overdrag", {"csrf": csrf, "organisation": "kk-suf",
                                                                              "reason": "Hører under sundhedsområdet"}


def _decline(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['spare_decline']}/afvis", {"csrf": csrf, "reason": "Besvaret i sag 2024-0002"}


def _ask_contribution(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/bidrag", {"csrf": csrf, "unit": "kk-bif", "note": "Tal for 2024, tak"}


def _answer_by_link(day: Day, csrf: str):
    # Login-free: the token in the path is all the page asks for (the client's session plays no part).
    return "drafter", day.links["contribution"], {"name": "Sofie Sundby, Jobcentret", "text": "Ventetiden var 41 dage."}


def _ask_again(day: Day, csrf: str):
    return "drafter", f"/bidrag/anmodning/{day.ids['contribution']}/uddyb", {"csrf": csrf, "note": "Uddyb venligst: hvilke måneder?"}


def _answer_in_besvar(day: Day, csrf: str):
    return "drafter", f"/bidrag/anmodning/{day.ids['contribution']}", {"csrf": csrf, "text": "Januar til juni 2024."}


def _cancel_contribution(day: Day, csrf: str):
    return "drafter", f"/bidrag/anmodning/{day.ids['contribution']}/annuller", {"csrf": csrf}


def _bulk(day: Day, csrf: str):
    return "drafter", "/indbakke/samlet", {"csrf": csrf, "inquiry": [str(day.ids["inquiry"])], "action": "fordel",
                                           "assignee": "web-drafter", "reason": "Samlet fordeling"}


def _start_letter(day: Day, csrf: str):
    return "drafter", f"/henvendelser/{day.ids['inquiry']}/breve", {"csrf": csrf, "kind": "brev"}


def _insert(day: Day, csrf: str):
    version, insert, blocks = _editor(day)
    return "drafter", f"/breve/{day.ids['letter']}", {"csrf": csrf, "version": version, "title": "Svar", "kind": "brev",
                                                      "blk": blocks, "action": insert or "save"}


def _autosave(day: Day, csrf: str):
    return "drafter", f"/breve/{day.ids['letter']}/autosave", _answered_form(day, csrf)


def _save(day: Day, csrf: str):
    return "drafter", f"/breve/{day.ids['letter']}", _answered_form(day, csrf)


def _submit(day: Day, csrf: str):
    version, _insert, _blocks = _editor(day)
    return "drafter", f"/breve/{day.ids['letter']}/indsend", {"csrf": csrf, "version": version, "confirm": "ja"}


def _return(day: Day, csrf: str):
    return "approver", f"/breve/{day.ids['letter']}/returner", {"csrf": csrf, "comment": "Tilføj tallene fra i år."}


def _approve(day: Day, csrf: str):
    with Session(day.engine) as session:
        version = session.get(Letter, day.ids["letter"]).version
    return "approver", f"/breve/{day.ids['letter']}/godkend", {"csrf": csrf, "version": str(version)}


def _dispatch(day: Day, csrf: str):
    return "drafter", f"/breve/{day.ids['letter']}/afsend", {"csrf": csrf, "channel": "digital_post",
                                                               "copy_to_council": "Borgerrepræsentationen"}


def _admin_council(day: Day, csrf: str):
    return "admin", "/admin/raad", {"csrf": csrf, "municipality": "koebenhavns-kommune", "name": "Borgerrepræsentationen",
                                    "whole_council": "1", "members": "Anne Andersen <anne@kk.dk>\nBent Berg"}


def _publish(day: Day, csrf: str):
    return "approver", f"/henvendelser/{day.ids['inquiry']}/offentliggoer", {"csrf": csrf}


def _unpublish(day: Day, csrf: str):
    return "approver", f"/henvendelser/{day.ids['inquiry']}/fjern-offentlig", {"csrf": csrf}


def _admin_delete_council(day: Day, csrf: str):
    with Session(day.engine) as session:
        list_id = session.exec(select(CouncilList.id).where(CouncilList.name == "Borgerrepræsentationen")).one()
    return "admin", f"/admin/raad/{list_id}/slet", {"csrf": csrf}


def _correct(day: Day, csrf: str):
    return "drafter", f"/breve/{day.ids['letter']}/ret", {"csrf": csrf}


def _paragraph(day: Day, csrf: str):
    page = day.clients["drafter"].get("/bibliotek/afsnit/1").text
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    return "drafter", "/bibliotek/afsnit/1", {"csrf": csrf, "version": version, "title": "Ventetider",
                                              "text": "Ventetiden er faldet i år.", "topics": "ventetid", "legal_refs": ""}


def _statistic(day: Day, csrf: str):
    return "drafter", "/bibliotek/statistik/aalborg-kontanthjaelpssager", {"csrf": csrf, "period": "2031-01", "value": "1.234"}


def _import_read(day: Day, csrf: str):
    return "drafter", "/bibliotek/import", {"csrf": csrf}


def _import_save(day: Day, csrf: str):
    return "drafter", "/bibliotek/import/gem", {
        "csrf": csrf, "title": "Ventetider", "asker": "Anne Testesen", "received_on": "2023-03-01", "organisation": "kk-bif",
        "case_number": "2023-0001", "questions": "1", "q0_text": "Hvor lang er ventetiden?", "q0_include": "1",
        "q0_paragraphs": "1", "q0_p0_include": "1", "q0_p0_title": "Ventetid", "q0_p0_text": "Fire uger i gennemsnit."}


def _password(day: Day, csrf: str):
    # The same password again: the day's later logins still use it.
    return "approver", "/konto/adgangskode", {"csrf": csrf, "current": PASSWORD, "new": PASSWORD, "again": PASSWORD}


def _intake_upload(day: Day, csrf: str):
    return "drafter", "/indgaaende", {"csrf": csrf}


def _intake_accept(day: Day, csrf: str):
    return "drafter", f"/indgaaende/{day.ids['incoming']}/opret", {"csrf": csrf}


def _intake_discard(day: Day, csrf: str):
    return "drafter", f"/indgaaende/{day.ids['incoming']}/kasser", {"csrf": csrf}


def _intake_follow_up(day: Day, csrf: str):
    return "drafter", f"/indgaaende/{day.ids['incoming']}/opfoelgning", {"csrf": csrf, "inquiry_id": str(day.ids["from_intake"])}


def _send_again(day: Day, csrf: str):
    return "admin", f"/udbakke/{day.ids['failed_mail']}/send-igen", {"csrf": csrf}


def _admin_new_user(day: Day, csrf: str):
    return "admin", "/admin/brugere", {"csrf": csrf, "username": "ny-kollega", "name": "Ny Kollega", "email": "ny@kk.dk",
                                        "unit": "kk-bif", "role": "drafter"}


def _admin_units(day: Day, csrf: str):
    return "admin", "/admin/brugere/ny-kollega/enheder", {"csrf": csrf, "keep": "kk-bif drafter", "unit": "kk-bif",
                                                          "role": "approver"}


def _admin_close(day: Day, csrf: str):
    return "admin", "/admin/brugere/ny-kollega/aktiv", {"csrf": csrf, "active": "nej"}


def _admin_new_token(day: Day, csrf: str):
    return "admin", "/admin/tokens", {"csrf": csrf, "username": "web-drafter", "name": "ESDH-eksport", "read_only": "ja"}


def _admin_revoke(day: Day, csrf: str):
    return "admin", f"/admin/tokens/{day.ids['token']}/tilbagekald", {"csrf": csrf}


def _admin_deadlines(day: Day, csrf: str):
    return "admin", "/admin/organisationer/kk-bif/frister", {"csrf": csrf, "deadline_days": "8", "chaser_working_days": "3"}


def _admin_unit(day: Day, csrf: str):
    return "admin", "/admin/enheder", {"csrf": csrf, "key": "kk-bif-jura", "name": "Jura", "organisation": "kk-bif"}


def _admin_sign_in(day: Day, csrf: str):
    return "admin", "/admin/login", {"csrf": csrf, "municipality": "koebenhavns-kommune", "issuer": "https://login.kk.dk",
                                      "client_id": "besvar", "groups": "BIF-Jura = kk-bif-jura:drafter"}


def _admin_organisation(day: Day, csrf: str):
    return "admin", "/admin/organisationer", {"csrf": csrf, "municipality": "koebenhavns-kommune", "key": "kk-tmf",
                                              "name": "Teknik- og Miljøforvaltningen", "deadline_days": "10"}


def _admin_letterhead(day: Day, csrf: str):
    return "admin", "/admin/organisationer/kk-tmf/brevhoved", {"csrf": csrf, "name": "Teknik- og Miljøforvaltningen",
                                                               "street": "Njalsgade 13", "colour": "#2a7a3b"}


def _admin_logo(day: Day, csrf: str):
    return "admin", "/admin/organisationer/kk-tmf/logo", {"csrf": csrf}


def _operator_municipality(day: Day, csrf: str):
    return "operator", "/admin/kommuner", {"csrf": csrf, "name": "Udby Kommune", "org_name": "Borgmesterens Forvaltning",
                                           "deadline_days": "10", "admin_username": "udby-admin", "admin_name": "Ulla Udby",
                                           "admin_password": PASSWORD}


def _admin_synonyms(day: Day, csrf: str):
    return "admin", "/admin/synonymer", {"csrf": csrf, "municipality": "koebenhavns-kommune", "terms": "BR, Borgerrepræsentationen"}


def _admin_delete_synonyms(day: Day, csrf: str):
    return "admin", "/admin/synonymer/koebenhavns-kommune-br/slet", {"csrf": csrf}


def _mail_choices(day: Day, csrf: str):
    return "drafter", "/konto/mail", {"csrf": csrf, "on": ["inquiry.allocated", "digest"], "digest_only": "ja"}


def _logout(day: Day, csrf: str):
    return "drafter", "/logout", {"csrf": csrf}


# (name, route, step): the route names which page form the step sends, for the completeness check.
STEPS: list[tuple[str, str, Callable]] = [
    ("ny kommune", "/admin/kommuner", _operator_municipality),  # first: the operator's one form, in their first minutes
    ("fortolk", "/henvendelser/ny", _interpret), ("opret", "/henvendelser/ny", _new_inquiry),
    ("ret henvendelse", "/henvendelser/X/ret", _correct_inquiry),
    ("fordel", "/henvendelser/X/fordel", _allocate), ("giv tilbage", "/henvendelser/X/giv-tilbage", _hand_back),
    ("frist", "/henvendelser/X/frist", _extend), ("overdrag", "/henvendelser/X/overdrag", _transfer),
    ("afvis", "/henvendelser/X/afvis", _decline), ("samlet", "/indbakke/samlet", _bulk),
    ("bed om bidrag", "/henvendelser/X/bidrag", _ask_contribution), ("bidrag via link", "/bidrag/X", _answer_by_link),
    ("uddyb", "/bidrag/anmodning/X/uddyb", _ask_again), ("bidrag i Besvar", "/bidrag/anmodning/X", _answer_in_besvar),
    ("bed om bidrag igen", "/henvendelser/X/bidrag", _ask_contribution),
    ("annuller bidrag", "/bidrag/anmodning/X/annuller", _cancel_contribution),
    ("nyt brev", "/henvendelser/X/breve", _start_letter), ("indsæt", "/breve/X", _insert),
    ("autosave", "/breve/X/autosave", _autosave), ("gem", "/breve/X", _save), ("indsend", "/breve/X/indsend", _submit),
    ("returner", "/breve/X/returner", _return),
    # The admin's forms once the approver has had a first one: each role logged in at 8.30 acts within its
    # 30 idle minutes, the admin here and the approver before (each step is a minute and a little more).
    ("send mail igen", "/udbakke/X/send-igen", _send_again),
    ("ny bruger", "/admin/brugere", _admin_new_user), ("enheder", "/admin/brugere/X/enheder", _admin_units),
    ("luk konto", "/admin/brugere/X/aktiv", _admin_close), ("tilbagekald token", "/admin/tokens/X/tilbagekald", _admin_revoke),
    ("nyt token", "/admin/tokens", _admin_new_token),
    ("frister", "/admin/organisationer/X/frister", _admin_deadlines), ("ny enhed", "/admin/enheder", _admin_unit),
    ("kommunens login", "/admin/login", _admin_sign_in),
    ("ny forvaltning", "/admin/organisationer", _admin_organisation),
    ("brevhoved", "/admin/organisationer/X/brevhoved", _admin_letterhead), ("logo", "/admin/organisationer/X/logo", _admin_logo),
    ("synonymer", "/admin/synonymer", _admin_synonyms), ("slet synonymer", "/admin/synonymer/X/slet", _admin_delete_synonyms),
    ("byråd", "/admin/raad", _admin_council),
    ("gem igen", "/breve/X", _save),
    ("indsend igen", "/breve/X/indsend", _submit), ("godkend", "/breve/X/godkend", _approve),
    ("send", "/breve/X/afsend", _dispatch), ("slet byråd", "/admin/raad/X/slet", _admin_delete_council),
    ("offentliggør", "/henvendelser/X/offentliggoer", _publish), ("fjern offentlig", "/henvendelser/X/fjern-offentlig", _unpublish),
    ("ret", "/breve/X/ret", _correct), ("afsnit", "/bibliotek/afsnit/X", _paragraph),
    ("statistik", "/bibliotek/statistik/X", _statistic), ("import læs", "/bibliotek/import", _import_read),
    ("import gem", "/bibliotek/import/gem", _import_save), ("adgangskode", "/konto/adgangskode", _password),
    ("læg i indgående", "/indgaaende", _intake_upload), ("opret fra indgående", "/indgaaende/X/opret", _intake_accept),
    ("læg i indgående igen", "/indgaaende", _intake_upload), ("kassér", "/indgaaende/X/kasser", _intake_discard),
    ("læg i indgående en tredje", "/indgaaende", _intake_upload),
    ("opfølgning fra indgående", "/indgaaende/X/opfoelgning", _intake_follow_up),
    ("mailvalg", "/konto/mail", _mail_choices), ("log ud", "/logout", _logout),
]


_MESSAGES = count(1)

# Forms that need no login (the contribution link): the timeouts do not apply to them.
LOGIN_FREE = {"bidrag via link"}


def _post(day: Day, step: Callable, think: timedelta = timedelta(0)):
    """Open the page, think for `think`, then send the step's form; returns (role, path, response)."""
    role = step(day, "")[0]
    csrf = day.csrf(role)
    role, path, form = step(day, csrf)
    day.pause(think)
    return role, path, day.clients[role].post(path, data=form, files=_files(path), follow_redirects=False)


def _files(path: str) -> dict | None:
    """The upload the import form (a letter) or Indgående (a saved e-mail, a new message each time) sends."""
    if path.endswith("/logo"):
        from tests.test_admin_pages import png

        return {"png": ("logo.png", png(40, 10), "image/png")}
    if path == "/indgaaende":
        mail = (f"Message-ID: <dag-{next(_MESSAGES)}@kk.dk>\nFrom: Anne Testesen <anne@kk.dk>\nSubject: Ventetider\n"
                "Date: Mon, 02 Dec 2024 08:00:00 +0100\n\n1. Hvor lang er ventetiden?\n").encode()
        return {"file": ("henvendelse.eml", mail, "message/rfc822")}
    if path != "/bibliotek/import":
        return None
    return {"files": ("svar.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}


def _after(day: Day, name: str, r) -> None:
    """Check the step did what the person asked, and remember the ids it made."""
    assert r.status_code < 400, (name, r.status_code, r.text[:500])
    location = r.headers.get("location", "")
    if name == "log ud":
        assert day.clients["drafter"].get("/indbakke", follow_redirects=False).headers["location"].startswith("/login")
        return
    assert not location.startswith("/login"), (name, location)
    if name == "opret":
        day.ids["inquiry"] = int(location.rsplit("/", 1)[1])
    elif name == "nyt brev" or name == "ret":
        day.ids["letter"] = int(location.rsplit("/", 1)[1])
    if name in ("indsend", "indsend igen", "godkend", "returner"):
        expected = {"indsend": LetterStatus.submitted, "indsend igen": LetterStatus.submitted,
                    "godkend": LetterStatus.approved, "returner": LetterStatus.draft}[name]
        with Session(day.engine) as session:
            assert session.get(Letter, day.ids["letter"]).status == expected, name
    if name == "autosave":
        assert r.json()["version"] >= 2
    if name == "adgangskode":
        assert location == "/konto?ok=1"
    if name in ("læg i indgående", "læg i indgående igen", "læg i indgående en tredje"):
        assert location == "/indgaaende?ok=modtaget", location
        with Session(day.engine) as session:
            day.ids["incoming"] = session.exec(select(func.max(IncomingItem.id))).one()
    if name == "opret fra indgående":
        with Session(day.engine) as session:
            item = session.get(IncomingItem, day.ids["incoming"])
            assert item.status == "accepted"
            day.ids["from_intake"] = item.inquiry_id
    if name == "kassér":
        with Session(day.engine) as session:
            assert session.get(IncomingItem, day.ids["incoming"]).status == "discarded"
    if name == "opfølgning fra indgående":
        with Session(day.engine) as session:
            item = session.get(IncomingItem, day.ids["incoming"])
            assert (item.status, location.rsplit("/", 1)[1]) == ("accepted", str(item.inquiry_id)), location
    if name == "mailvalg":
        assert location == "/konto?ok=mail"
        with Session(day.engine) as session:
            user = session.exec(select(User).where(User.username == "web-drafter")).one()
            assert user.mail_digest_only and "contribution.answered" in user.mail_off and "digest" not in user.mail_off
    if name == "samlet":
        assert location.endswith("udfoert=1"), location
    if name in ("ny bruger", "enheder", "luk konto", "tilbagekald token"):
        assert location == "/admin/brugere?ok=" + {"ny bruger": "ny", "enheder": "enhed", "luk konto": "lukket",
                                                    "tilbagekald token": "token"}[name], location
        with Session(day.engine) as session:
            user = session.exec(select(User).where(User.username == "ny-kollega")).one()
            assert user.is_active is (name != "luk konto" and name != "tilbagekald token")
    if name == "logo":
        assert location == "/admin/kommune?ok=logo", location
        with Session(day.engine) as session:
            org = session.exec(select(Organisation).where(Organisation.key == "kk-tmf")).one()
            assert session.get(LetterheadLogo, org.id) is not None
    if name in ("ny forvaltning", "brevhoved"):
        assert location == "/admin/kommune?ok=" + {"ny forvaltning": "forvaltning", "brevhoved": "brevhoved"}[name], location
        with Session(day.engine) as session:
            org = session.exec(select(Organisation).where(Organisation.key == "kk-tmf")).one()
            assert org.municipality == "Københavns Kommune"
            if name == "brevhoved":
                assert (org.street, org.letterhead["colour"]) == ("Njalsgade 13", "#2a7a3b")
    if name == "nyt token":
        assert r.status_code == 201 and "Kopiér det nu" in r.text and re.search(r"<code class=\"token\">bsv_", r.text)
    if name in ("offentliggør", "fjern offentlig"):
        assert location.endswith("?ok=" + ("offentliggjort" if name == "offentliggør" else "fjernet")), location
        with Session(day.engine) as session:
            published = session.exec(select(Publication).where(Publication.inquiry_id == day.ids["inquiry"])).first()
            assert (published is not None) is (name == "offentliggør")
            assert published is None or published.pdf is not None  # the answer, re-rendered
    if name in ("byråd", "slet byråd"):
        assert location == "/admin/raad?ok=" + ("gemt" if name == "byråd" else "slettet"), location
    if name == "send":
        assert location == f"/breve/{day.ids['letter']}?ok=sendt", location
        with Session(day.engine) as session:
            sent = session.exec(select(Dispatch).where(Dispatch.letter_id == day.ids["letter"])).one()
            assert (sent.channel, sent.council_list, len(sent.copies)) == ("digital_post", "Borgerrepræsentationen", 2)
    if name in ("synonymer", "slet synonymer"):
        assert location == "/admin/synonymer?ok=" + ("ny" if name == "synonymer" else "slettet"), location
    if name == "ny kommune":
        assert location.startswith("/admin/kommuner?ok=Udby"), location
        with Session(day.engine) as session:
            assert session.exec(select(User).where(User.username == "udby-admin")).one().role == "admin"
    if name in ("frister", "ny enhed", "kommunens login"):
        assert location == "/admin/kommune?ok=" + {"frister": "frister", "ny enhed": "enhed", "kommunens login": "login"}[name]
        with Session(day.engine) as session:
            org = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
            assert (org.deadline_days, org.chaser_working_days) == (8, 3)
            if name == "kommunens login":
                kk = session.exec(select(Municipality).where(Municipality.key == "koebenhavns-kommune")).one()
                assert kk.sign_in["groups"] == {"BIF-Jura": [{"unit": "kk-bif-jura", "role": "drafter"}]}
    if name == "send mail igen":
        assert location == "/udbakke?ok=1", location
        with Session(day.engine) as session:
            assert session.get(OutboxMessage, day.ids["failed_mail"]).status == "queued"
    if name in ("fordel", "giv tilbage", "frist", "overdrag", "afvis"):
        key = {"overdrag": "spare_transfer", "afvis": "spare_decline"}.get(name, "inquiry")
        with Session(day.engine) as session:
            inquiry = session.get(Inquiry, day.ids[key])
            assert {"fordel": inquiry.drafter_id is not None, "giv tilbage": inquiry.drafter_id is None,
                    "frist": inquiry.deadline.isoformat() == "2025-01-06", "overdrag": inquiry.state == "overdraget",
                    "afvis": inquiry.state == "afvist"}[name], name
    if name in ("bed om bidrag", "uddyb", "bed om bidrag igen"):
        day.links["contribution"] = re.search(r'value="https://testserver(/bidrag/[^"]+)"', r.text)[1]
        with Session(day.engine) as session:
            day.ids["contribution"] = session.exec(select(func.max(Contribution.id))).one()
    if name in ("bidrag via link", "bidrag i Besvar", "annuller bidrag"):
        with Session(day.engine) as session:
            status = session.get(Contribution, day.ids["contribution"]).status
        assert status == {"annuller bidrag": "annulleret"}.get(name, "besvaret"), (name, status)
    if name == "ret henvendelse":
        with Session(day.engine) as session:
            assert session.get(Inquiry, day.ids["inquiry"]).received_on.isoformat() == "2024-12-03"


def _counts(engine) -> dict[str, int]:
    """Rows per table, but for the login bookkeeping that a refused request may write."""
    skip = {"web_session", "login_failure"}
    with Session(engine) as session:
        return {t.name: session.exec(select(func.count()).select_from(t)).one()
                for t in SQLModel.metadata.sorted_tables if t.name not in skip}


def _day(web, engine):
    with time_machine.travel(datetime(2024, 12, 2, 8, 30, tzinfo=UTC), tick=True) as clock:
        d = Day(web=web, engine=engine, clock=clock)
        with Session(engine) as session:
            add_second_copenhagen_organisation(session)
            for spare in ("spare_transfer", "spare_decline"):
                d.ids[spare] = inquiry_service.create(session, user=None, data=InquiryIn.model_validate({
                    "title": "Parkering ved rådhuset", "asker": {"name": "Bo Borger"}, "received_on": "2024-11-28",
                    "organisation": "kk-bif", "questions": [{"text": "Hvor mange pladser er der?"}]})).id
            failed = OutboxMessage(key="dag:fejlet", kind="inquiry.allocated", organisation_id=session.exec(
                select(Organisation.id).where(Organisation.key == "kk-bif")).one(), to_address="bo@kk.dk",
                subject="Ny henvendelse", text="x", html="<p>x</p>", status="failed", attempts=1, last_error="550 nej")
            session.add(failed)
            session.commit()
            d.ids["failed_mail"] = failed.id
            d.ids["token"] = auth_service.issue_token(session, username="web-drafter", name="Regneark")[0].id
        for role in PEOPLE:
            d.login(role)
        yield d


@pytest.fixture
def day(web, seeded):
    """A day on each database: where a write goes after the touch differs between them."""
    yield from _day(web, seeded)


@pytest.fixture
def day_sqlite(web_sqlite, sqlite_seeded):
    """A day on SQLite: the session rules do not depend on the database."""
    yield from _day(web_sqlite, sqlite_seeded)


def test_a_working_day_with_a_pause_before_every_form(day):
    """Every page form, each sent a little over a minute after the page before it was opened."""
    for name, _route, step in STEPS:
        _role, _path, r = _post(day, step, think=TOUCH)
        _after(day, name, r)


def test_the_working_day_sends_every_page_form(web):
    """A new page form must join STEPS, or this fails."""
    posts = {re.sub(r"\{[a-z_]+\}", "X", r.path) for r in api_routes(web().app)
             if "POST" in r.methods and not r.path.startswith("/api/") and r.path != "/login"}
    assert posts == {route for _name, route, _step in STEPS}


@pytest.mark.parametrize("timeout", ["idle", "absolute"])
def test_every_form_after_a_timeout_asks_for_login_and_keeps_everything(day_sqlite, timeout):
    """Each form sent after the session ended: the login page, nothing stored changed; logged in again, it goes through."""
    day = day_sqlite
    for name, _route, step in STEPS:
        for role in PEOPLE:  # the sessions ran out in the last step's pause
            day.login(role)
        if name in LOGIN_FREE:  # no session to run out: it goes through as at any time
            _after(day, name, _post(day, step)[2])
            continue
        role = step(day, "")[0]
        role, path, form = step(day, day.csrf(role))
        if timeout == "idle":
            day.pause(IDLE)
        else:
            # Busy all day, a page every twenty minutes, until the tenth hour has passed.
            for _ in range(31):
                day.pause(timedelta(minutes=20))
                assert day.clients[role].get("/frist", follow_redirects=False).status_code in (200, 303)
        before = _counts(day.engine)
        r = day.clients[role].post(path, data=form, files=_files(path), follow_redirects=False)
        assert r.status_code in (303, 401), (name, r.status_code, r.text[:300])
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login"), (name, r.headers["location"])
        assert _counts(day.engine) == before, name
        day.login(role)
        _after(day, name, _post(day, step)[2])


def test_the_api_at_a_persons_pace(api):
    """Tokens outlive sessions: every API write works after pauses of a minute, half an hour and a night."""
    with time_machine.travel(datetime(2024, 12, 2, 8, 30, tzinfo=UTC), tick=True) as clock:
        def later():
            clock.shift(TOUCH)

        later()
        body = {"title": "Ventetider", "asker": {"name": "Anne Testesen"}, "received_on": "2024-12-02",
                "organisation": "kk-bif", "questions": [{"text": "Hvor lang er ventetiden?"}]}
        inquiry = api.post("/api/v1/inquiries", json=body)
        assert inquiry.status_code == 201, inquiry.text
        clock.shift(IDLE)
        letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry.json()["id"], "kind": "brev"})
        assert letter.status_code == 201, letter.text
        lid, qid = letter.json()["id"], inquiry.json()["questions"][0]["id"]
        clock.shift(timedelta(hours=11))
        saved = api.put(f"/api/v1/letters/{lid}", json={"version": 1, "answers": [
            {"question_id": qid, "blocks": [{"text": "Fire uger i gennemsnit."}]}]})
        assert saved.status_code == 200, saved.text
        later()
        submitted = api.post(f"/api/v1/letters/{lid}/submit", json={"version": 2})
        assert submitted.status_code == 200, submitted.text
        later()
        approved = api.post(f"/api/v1/letters/{lid}/approve", role="approver", json={"version": submitted.json()["version"]})
        assert approved.status_code == 200, approved.text
        later()
        assert api.post(f"/api/v1/letters/{lid}/correct").status_code == 201
        later()
        assert api.post("/api/v1/inquiries/parse", json={"text": "1. Hvad koster det?"}).status_code == 200
