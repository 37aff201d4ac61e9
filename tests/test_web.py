"""The web UI over HTTP: sessions, throttling, CSRF, headers, roles on every route, Danish forms."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.models import Letter, WebSession
from app.web.forms import whole_number
from tests.conftest import PASSWORD, ROLES, SEEDS, api_routes


def csrf_of(client: TestClient, path: str = "/indbakke") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]


def test_pages_need_login_and_remember_where_to(web):
    r = web().get("/indbakke?q=ME", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/indbakke%3Fq%3DME"


def test_login_cookie_and_a_new_session_each_time(web):
    c = web()
    r = c.post("/login", data={"username": "web-drafter", "password": PASSWORD, "next": "//evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "/indbakke"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-besvar=") and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie and "Domain" not in cookie
    first = c.cookies["__Host-besvar"]
    c.post("/login", data={"username": "web-drafter", "password": PASSWORD})
    assert c.cookies["__Host-besvar"] != first


def test_logout_revokes_the_session(web):
    c = web("drafter")
    token = c.cookies["__Host-besvar"]
    assert c.post("/logout", data={"csrf": csrf_of(c)}, follow_redirects=False).status_code == 303
    stale = web()
    stale.cookies.set("__Host-besvar", token)
    assert stale.get("/indbakke", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("clock", ["idle", "absolute"])
def test_sessions_time_out(web, seeded, clock):
    c = web("drafter")
    column = WebSession.last_seen_at if clock == "idle" else WebSession.created_at
    with Session(seeded) as session:
        for s in session.exec(select(WebSession)):
            setattr(s, column.key, getattr(s, column.key) - timedelta(hours=11))
        session.commit()
    assert c.get("/indbakke", follow_redirects=False).status_code == 303


def test_wrong_password_and_throttling(web):
    c = web()
    r = c.post("/login", data={"username": "web-drafter", "password": "forkert"})
    assert r.status_code == 401 and "Forkert brugernavn eller adgangskode." in r.text
    for _ in range(4):
        c.post("/login", data={"username": "web-drafter", "password": "forkert"})
    r = c.post("/login", data={"username": "web-drafter", "password": PASSWORD})
    assert r.status_code == 429 and "For mange mislykkede loginforsøg" in r.text


def _from(web, address: str) -> TestClient:
    """A browser at another address."""
    return TestClient(web().app, base_url="https://testserver", client=(address, 40000))


def test_throttling_by_address_across_user_names(web):
    """Password spraying from one address stops it; a town hall's shared address is not stopped by a few typos."""
    c = _from(web, "10.0.0.66")
    for n in range(29):
        c.post("/login", data={"username": f"findes-ikke-{n}", "password": "x"})
    assert c.post("/login", data={"username": "web-approver", "password": PASSWORD},
                  follow_redirects=False).status_code == 303
    for n in range(30):
        c.post("/login", data={"username": f"findes-ikke-{n}", "password": "x"})
    assert c.post("/login", data={"username": "web-approver", "password": PASSWORD}).status_code == 429


def test_a_stranger_cannot_lock_the_director_out(web):
    attacker = _from(web, "203.0.113.9")
    for _ in range(10):
        attacker.post("/login", data={"username": "web-approver", "password": "gæt"})
    assert attacker.post("/login", data={"username": "web-approver", "password": PASSWORD}).status_code == 429
    director = _from(web, "10.1.2.3")
    assert director.post("/login", data={"username": "web-approver", "password": PASSWORD},
                         follow_redirects=False).status_code == 303


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://testserver"}])
def test_login_from_a_foreign_page_is_refused(web, headers):
    c = web()
    r = c.post("/login", data={"username": "web-drafter", "password": PASSWORD}, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and "Log ind fra Besvars egen side" in r.text and "set-cookie" not in r.headers
    own = c.post("/login", data={"username": "web-drafter", "password": PASSWORD}, follow_redirects=False,
                 headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303


@pytest.mark.parametrize("token", [None, "forkert"])
def test_every_form_needs_its_csrf_token(web, token):
    c = web("drafter")
    data = {"kind": "brev"} | ({"csrf": token} if token else {})
    r = c.post("/henvendelser/1/breve", data=data, follow_redirects=False)
    assert r.status_code == 403 and "Formularen er udløbet" in r.text


def test_security_headers_on_pages(web):
    r = web("drafter").get("/indbakke")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert '<html lang="da">' in r.text
    assert "<script>" not in r.text and " style=" not in r.text and "onclick" not in r.text


# Every page route, and which roles may open it (the others get 403; nobody logged out gets in).
PAGES = {
    ("GET", "/indbakke"): ROLES,
    ("GET", "/henvendelser/ny"): ("drafter", "admin"),
    ("POST", "/henvendelser/ny"): ("drafter", "admin"),
    ("GET", "/henvendelser/1"): ROLES,
    ("POST", "/henvendelser/1/breve"): ("drafter", "admin"),
    ("POST", "/henvendelser/1/ret"): ("drafter", "admin"),
    # Coordination: the secretariat's (drafter, approver, admin); handing back only the assignee's, who is none of these.
    ("POST", "/henvendelser/1/fordel"): ("drafter", "approver", "admin"),
    ("POST", "/henvendelser/1/frist"): ("drafter", "approver", "admin"),
    ("POST", "/henvendelser/1/overdrag"): ("drafter", "approver", "admin"),
    ("POST", "/henvendelser/1/afvis"): ("drafter", "approver", "admin"),
    ("POST", "/henvendelser/1/giv-tilbage"): (),
    ("POST", "/indbakke/samlet"): ("drafter", "approver", "admin"),
    # Contributions: asking is the drafters'; the rest is decided by the contribution (none has id 1: a 404 for all).
    ("POST", "/henvendelser/1/bidrag"): ("drafter", "admin"),
    ("GET", "/bidrag"): ROLES,
    ("GET", "/bidrag/1"): ROLES,
    ("POST", "/bidrag/1"): ROLES,
    ("GET", "/bidrag/anmodning/1"): ROLES,
    ("POST", "/bidrag/anmodning/1"): ROLES,
    ("POST", "/bidrag/anmodning/1/uddyb"): ROLES,
    ("POST", "/bidrag/anmodning/1/annuller"): ROLES,
    ("GET", "/bidrag/fil/1"): ROLES,
    ("GET", "/indgaaende"): ("drafter", "admin"),
    ("POST", "/indgaaende"): ("drafter", "admin"),
    ("POST", "/indgaaende/1/opret"): ("drafter", "admin"),
    ("POST", "/indgaaende/1/kasser"): ("drafter", "admin"),
    ("POST", "/indgaaende/1/opfoelgning"): ("drafter", "admin"),
    ("GET", "/udbakke"): ("admin",),
    ("POST", "/udbakke/1/send-igen"): ("admin",),
    ("GET", "/admin/brugere"): ("admin",),
    ("POST", "/admin/brugere"): ("admin",),
    ("POST", "/admin/brugere/1/enheder"): ("admin",),
    ("POST", "/admin/brugere/1/aktiv"): ("admin",),
    ("POST", "/admin/tokens/1/tilbagekald"): ("admin",),
    ("POST", "/admin/tokens"): ("admin",),
    ("GET", "/admin/kommune"): ("admin",),
    ("POST", "/admin/organisationer/1/frister"): ("admin",),
    ("POST", "/admin/enheder"): ("admin",),
    ("POST", "/admin/login"): ("admin",),
    ("POST", "/admin/organisationer"): ("admin",),
    ("POST", "/admin/organisationer/1/brevhoved"): ("admin",),
    ("POST", "/admin/organisationer/1/logo"): ("admin",),
    ("GET", "/admin/organisationer/1/proeve.pdf"): ("admin",),
    # The operator's (web-operator, who holds none of these roles): a municipality's admin may not make another.
    ("GET", "/admin/kommuner"): (),
    ("GET", "/admin/synonymer"): ("admin",),
    ("GET", "/overblik"): ("approver", "admin"),
    ("GET", "/overblik.xlsx"): ("approver", "admin"),
    ("GET", "/overblik.csv"): ("approver", "admin"),
    ("POST", "/admin/synonymer"): ("admin",),
    ("POST", "/admin/synonymer/1/slet"): ("admin",),
    ("POST", "/admin/kommuner"): (),
    ("GET", "/frist?received_on=2024-12-20"): ROLES,
    ("GET", "/breve/1"): ROLES,
    ("POST", "/breve/1"): ("drafter", "admin"),
    ("POST", "/breve/1/autosave"): ("drafter", "admin"),
    ("POST", "/breve/1/indsend"): ("drafter", "admin"),
    ("POST", "/breve/1/ret"): ("drafter", "admin"),
    ("POST", "/breve/1/afsend"): ("drafter", "approver", "admin"),
    ("POST", "/henvendelser/1/offentliggoer"): ("approver", "admin"),
    ("POST", "/henvendelser/1/fjern-offentlig"): ("approver", "admin"),
    # The public record: anyone, logged in or not (test_publication).
    ("GET", "/offentlig/"): ROLES, ("GET", "/offentlig"): ROLES, ("GET", "/offentlig/feed.atom"): ROLES,
    ("GET", "/offentlig/1"): ROLES, ("GET", "/offentlig/1/svar.pdf"): ROLES,
    ("GET", "/admin/raad"): ("admin",),
    ("POST", "/admin/raad"): ("admin",),
    ("POST", "/admin/raad/1/slet"): ("admin",),
    ("GET", "/breve/1/dokument.pdf"): ROLES,
    ("GET", "/breve/1/dokument.docx"): ROLES,
    ("GET", "/breve/1/esdh.zip"): ROLES,
    ("GET", "/godkendelse"): ("approver",),
    ("GET", "/godkendelse/1"): ("approver",),
    ("POST", "/breve/1/godkend"): ("approver",),
    ("POST", "/breve/1/returner"): ("approver",),
    ("GET", "/bibliotek"): ROLES,
    ("GET", "/bibliotek/afsnit/1"): ROLES,
    ("POST", "/bibliotek/afsnit/1"): ("drafter", "admin"),
    ("GET", "/bibliotek/statistik/aalborg-kontanthjaelpssager"): ROLES,
    ("POST", "/bibliotek/statistik/aalborg-kontanthjaelpssager"): ("drafter", "admin"),
    ("GET", "/bibliotek/import"): ("drafter", "admin"),
    ("POST", "/bibliotek/import"): ("drafter", "admin"),
    ("POST", "/bibliotek/import/gem"): ("drafter", "admin"),
    ("GET", "/historik?letter_id=1"): ROLES,
    ("POST", "/logout"): ROLES,
    ("GET", "/konto"): ROLES,
    ("POST", "/konto/adgangskode"): ROLES,
    ("POST", "/konto/mail"): ROLES,
}


def test_the_route_list_is_complete(web):
    pages = {(m, r.path) for r in api_routes(web().app) if not r.path.startswith(("/api/", "/healthz", "/docs"))
             and r.path not in ("/login", "/") and not r.path.startswith("/login/oidc/")  # before login: test_sign_in
             for m in r.methods - {"HEAD"}}
    listed = {(m, re.sub(r"\d+|aalborg-kontanthjaelpssager", "X", p.split("?")[0])) for m, p in PAGES}
    routes = {(m, re.sub(r"\{[a-z_]+\}", "X", p).replace("dokument.X", "dokument.pdf")) for m, p in pages}
    assert routes - {(m, p.replace("dokument.docx", "dokument.pdf")) for m, p in listed} == set()


@pytest.mark.parametrize(("method", "path"), sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_every_route_checks_its_role(web_sqlite, method, path, role):
    web = web_sqlite
    c = web(role)
    if method == "GET":
        r = c.get(path, follow_redirects=False)
    else:
        r = c.post(path, data={"csrf": csrf_of(c), "comment": "ok", "kind": "brev"}, follow_redirects=False)
    if role in PAGES[(method, path)]:
        assert r.status_code != 403, (role, method, path, r.text[:300])
        assert r.status_code < 500
    else:
        assert r.status_code == 403, (role, method, path, r.status_code)


def test_new_inquiry_from_the_copenhagen_mail(web):
    c = web("drafter")
    token = csrf_of(c)
    seed = (SEEDS / "kk-beskaeftigelse-me-cfs-svar-2023.txt").read_text(encoding="utf-8")
    mail = seed[seed.index("Spørgsmål") : seed.index("Beskæftigelses- og Integrationsforvaltningens svar")]
    parsed = c.post("/henvendelser/ny", data={"csrf": token, "mail": mail, "action": "fortolk"})
    assert "Fandt 3 spørgsmål" in parsed.text
    questions = re.findall(r'<textarea id="q\d+" name="question">([^<]*)</textarea>', parsed.text)
    assert len([q for q in questions if q]) == 3
    # A missing title: a Danish message beside the field, and everything typed is kept.
    missing = c.post("/henvendelser/ny", data={"csrf": token, "action": "opret", "asker_name": "Klaus", "received_on": "2023-05-11",
                                             "question": ["Hvad med ME?"], "organisation": "kk-bif"})
    assert missing.status_code == 422 and "Skriv en titel" in missing.text and "Hvad med ME?" in missing.text and 'value="Klaus"' in missing.text
    bad_date = c.post("/henvendelser/ny", data={"csrf": token, "action": "opret", "title": "T", "asker_name": "K",
                                              "received_on": "2023-02-30", "question": ["Hvad?"], "organisation": "kk-bif"})
    assert bad_date.status_code == 422 and "gyldig dato" in bad_date.text
    created = c.post("/henvendelser/ny", data={"csrf": token, "action": "opret", "title": "ME og førtidspension",
                                             "asker_name": "Klaus", "received_on": "2023-05-11", "organisation": "kk-bif",
                                             "question": ["Hvad med ME?", ""]}, follow_redirects=False)
    assert created.status_code == 303
    assert "Hvad med ME?" in c.get(created.headers["location"]).text


def test_user_text_is_escaped_everywhere(web):
    c = web("drafter")
    token = csrf_of(c)
    created = c.post("/henvendelser/ny", data={"csrf": token, "action": "opret", "title": "<script>alert(1)</script> {{ 7*7 }}",
                                             "asker_name": "<b>X</b>", "received_on": "2024-01-02", "organisation": "kk-bif",
                                             "question": ["<img src=x onerror=alert(1)>?"]}, follow_redirects=False)
    page = c.get(created.headers["location"]).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page
    assert "<img src=x" not in page and "49" not in page.split("{{ 7*7 }}")[0][-5:]


def test_draft_editor_actions_conflict_and_submit(web, seeded):
    c = web("drafter")
    token = csrf_of(c)
    r = c.post("/henvendelser/1/breve", data={"csrf": token, "kind": "brev"}, follow_redirects=False)
    letter_path = r.headers["location"]
    page = c.get(letter_path).text
    assert "Forslag fra biblioteket" in page
    insert = re.search(r'name="action" value="(insert:\d+:\d+)"', page)[1]
    blocks = re.findall(r'name="blk" value="([^"]+)"', page)
    version = re.search(r'name="version" value="(\d+)" id="version"', page)[1]
    form = {"csrf": token, "version": version, "title": "Svar", "kind": "brev", "blk": blocks, "action": insert}
    assert c.post(letter_path, data=form, follow_redirects=False).status_code == 303
    page = c.get(letter_path).text
    assert "fra biblioteket, version" in page
    # A stale save: 409, and the text the user typed is still on the page.
    qid = insert.split(":")[1]
    stale = {"csrf": token, "version": version, "title": "Min titel", "kind": "brev", "blk": [f"{qid}:t:0:0:1"],
             "txt-1": "Min egen tekst, som ikke må gå tabt", "action": "save"}
    r = c.post(letter_path, data=stale)
    assert r.status_code == 409 and "Min egen tekst, som ikke må gå tabt" in r.text and "gemt af en anden" in r.text
    # Autosave answers JSON with the new version.
    new_version = re.search(r'name="version" value="(\d+)" id="version"', r.text)[1]
    auto = c.post(f"{letter_path}/autosave", data={**stale, "version": new_version, "access": "fortrolig"})
    assert auto.status_code == 200 and auto.json()["version"] == int(new_version) + 1
    # The access marking chosen on the page is kept, and shown chosen (a form without the field keeps it).
    assert '<option value="fortrolig" selected>Fortrolig</option>' in c.get(letter_path).text
    # Submitting with unanswered questions is refused in Danish.
    r = c.post(f"{letter_path}/indsend", data={"csrf": token, "version": str(int(new_version) + 1)})
    assert r.status_code == 422 and "Alle spørgsmål skal have et svar" in r.text


@pytest.mark.parametrize("odd", ["²", "١٢", "9" * 5000, "-1", "1e3", " 1", ""])
def test_odd_numbers_in_form_fields_are_refused_not_raised(web, seeded, odd):
    assert whole_number(odd) is None
    c = web("drafter")
    token = csrf_of(c)
    letter_path = c.post("/henvendelser/1/breve", data={"csrf": token, "kind": "brev"}, follow_redirects=False).headers["location"]
    page = c.get(letter_path).text
    version = re.search(r'name="version" value="(\d+)" id="version"', page)[1]
    qid = re.search(r'name="action" value="insert:(\d+):\d+"', page)[1]
    base = {"csrf": token, "version": version, "title": "Svar", "kind": "brev"}
    for form in ({**base, "blk": [f"{odd}:t:0:0:1"], "action": "save"}, {**base, "action": f"text:{odd}"},
                 {**base, "action": f"insert:{qid}:{odd}"}, {**base, "action": f"up:{odd}:0"},
                 {**base, "signatory_id": odd, "action": "save"}, {**base, "version": odd, "action": "save"}):
        assert c.post(letter_path, data=form, follow_redirects=False).status_code < 500, form
    assert c.get(f"/indbakke?drafter={odd}").status_code == 200
    saved = c.post("/bibliotek/import/gem", data={"csrf": csrf_of(c, "/bibliotek/import"), "title": "T", "questions": odd,
                                                 "q0_paragraphs": odd})
    assert saved.status_code == 422  # no question included, whatever the count says


def test_a_form_too_large_gets_a_danish_page_and_changes_nothing(web_sqlite, seeded):
    c = web_sqlite("drafter")
    before = c.get("/indbakke").text
    r = c.post("/henvendelser/ny", data={"csrf": csrf_of(c), "title": "x" * 3 * 2**20})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "Det sendte er for stort: højst 2 MB" in r.text and "detail" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert c.get("/indbakke").text.count("<tr") == before.count("<tr")


def test_approved_letters_show_the_frozen_state(web, seeded):
    with Session(seeded) as session:
        session.exec(update(Letter).where(Letter.id == 1).values(status="submitted"))
        session.commit()
    director = web("approver")
    queue = director.get("/godkendelse").text
    assert "/godkendelse/1" in queue
    reviewed = re.search(r'name="version" value="(\d+)"', director.get("/godkendelse/1").text)[1]
    form = {"csrf": csrf_of(director), "version": reviewed}
    r = director.post("/breve/1/godkend", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/breve/1?ok=godkendt"
    page = director.get("/breve/1?ok=godkendt").text
    assert "Brevet er godkendt." in page and "låst" in page
    again = director.post("/breve/1/godkend", data=form, follow_redirects=False)
    assert again.headers["location"] == "/breve/1?ok=godkendt"


@pytest.mark.parametrize(("method", "path", "status", "title"), [
    ("GET", "/findes-ikke", 404, "Siden findes ikke"), ("GET", "/breve/999999", 404, "Siden findes ikke"),
    ("POST", "/indbakke", 405, "Siden kan ikke bruges sådan"), ("DELETE", "/breve/1", 405, "Siden kan ikke bruges sådan"),
    ("GET", "/breve/abc", 422, "Ret oplysningerne"),
])
def test_a_browser_gets_danish_error_pages(web, method, path, status, title):
    r = web("drafter").request(method, path, follow_redirects=False)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html"), (r.status_code, r.text[:200])
    assert '<html lang="da">' in r.text and f"<title>{title} · Besvar</title>" in r.text and 'href="/indbakke"' in r.text
    assert "detail" not in r.text and "Not Found" not in r.text and "Method Not Allowed" not in r.text
    assert "content-security-policy" in r.headers


def test_the_api_keeps_json_errors(api):
    assert api.get("/api/v1/findes-ikke").json() == {"detail": "Not Found"}
    r = api.client.delete("/api/v1/inquiries", headers=api.headers())
    assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed"}


def test_an_unexpected_error_is_a_danish_page_for_people_and_json_for_programs(tmp_path):
    """A database that is not there (no tables): every request fails inside, and says so in the right form."""
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    engine = make_engine(f"sqlite:///{tmp_path}/tom.db")
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine), base_url="https://testserver",
                        raise_server_exceptions=False)
    page = client.post("/login", data={"username": "x", "password": "y"})
    assert page.status_code == 500 and '<html lang="da">' in page.text and "Der skete en fejl i Besvar" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in page.headers
    api = client.get("/api/v1/inquiries", headers={"Authorization": "Bearer bsv_x"})
    assert api.status_code == 500 and api.json()["detail"].startswith("internal error")
    engine.dispose()


def test_form_errors_are_linked_to_their_fields_and_summed_up(web):
    c = web("drafter")
    r = c.post("/henvendelser/ny", data={"csrf": csrf_of(c), "action": "opret", "asker_name": "Klaus",
                                        "received_on": "2023-02-30", "question": ["Hvad?"], "organisation": "kk-bif"})
    assert r.status_code == 422
    assert 'id="error-summary" tabindex="-1"' in r.text and '<a href="#title">Skriv en titel' in r.text
    assert 'id="title" name="title" value="" aria-invalid="true" aria-describedby="title-error"' in r.text
    assert 'id="title-error"' in r.text and 'aria-describedby="received_on-error"' in r.text and 'id="received_on-error"' in r.text


def test_finding_no_questions_is_not_a_success_and_a_cut_is_told(web):
    c = web("drafter")
    none = c.post("/henvendelser/ny", data={"csrf": csrf_of(c), "action": "fortolk", "mail": "Hej, hvordan går det"})
    assert "Fandt 0 spørgsmål" not in none.text and "Fandt ingen nummererede spørgsmål" in none.text
    assert 'class="notice ok"' not in none.text
    long = c.post("/henvendelser/ny", data={"csrf": csrf_of(c), "action": "fortolk", "mail": "1. Hvad koster det?\n" + "x" * 250_000})
    assert "kun de første 200.000 er læst" in long.text


def test_block_buttons_say_which_block_they_move(web, api):
    c = web("drafter")
    letter = c.post("/henvendelser/1/breve", data={"csrf": csrf_of(c), "kind": "brev"}, follow_redirects=False).headers["location"]
    page = c.get(letter).text
    insert = re.search(r'name="action" value="(insert:\d+:\d+)"', page)[1]
    version = re.search(r'name="version" value="(\d+)" id="version"', page)[1]
    c.post(letter, data={"csrf": csrf_of(c), "version": version, "title": "Svar", "kind": "brev", "action": insert})
    page = c.get(letter).text
    assert 'aria-label="Flyt blok 1 i svar 1 op"' in page and 'aria-label="Fjern blok 1 i svar 1"' in page
    assert 'aria-label="Flyt op"' not in page


def test_a_letter_of_200_questions_still_saves(web, api):
    """About 1,400 form fields: over Starlette's default of 1,000, which answered autosave with a bare 400."""
    inquiry = api.post("/api/v1/inquiries", json={
        "title": "Budgetspørgsmål", "asker": {"name": "Anne Testesen"}, "received_on": "2024-12-02", "organisation": "kk-bif",
        "questions": [{"text": f"Hvad koster post {n}?"} for n in range(1, 201)]}).json()
    letter = api.post("/api/v1/letters", json={"inquiry_id": inquiry["id"], "kind": "notat"}).json()
    c = web("drafter")
    page = c.get(f"/breve/{letter['id']}").text
    form = {"csrf": csrf_of(c), "version": str(letter["version"]), "title": "Svar på budgetspørgsmål", "kind": "notat",
            "action": "save", "blk": []}
    for n, q in enumerate(inquiry["questions"], start=1):  # two text blocks each, as a drafter writes them
        form["blk"] += [f"{q['id']}:t:0:0:{2 * n - 1}", f"{q['id']}:t:0:0:{2 * n}"]
        form[f"txt-{2 * n - 1}"] = f"Post {n} koster 1.000 kr."
        form[f"txt-{2 * n}"] = "Beløbet er uændret fra sidste år."
        form[f"stat-{q['id']}"] = "aalborg-kontanthjaelpssager"
    assert sum(len(v) if isinstance(v, list) else 1 for v in form.values()) > 1000
    assert page.count('name="stat-') == 200
    r = c.post(f"/breve/{letter['id']}/autosave", data=form)
    assert r.status_code == 200, r.text[:300]
    saved = api.get(f"/api/v1/letters/{letter['id']}").json()
    assert len(saved["answers"]) == 200 and saved["answers"][199]["blocks"][0]["text"] == "Post 200 koster 1.000 kr."


def test_a_new_inquiry_is_received_today_unless_the_mail_or_the_drafter_says_otherwise(web):
    from app.inquiries.deadlines import today

    c = web("drafter")
    now = today().isoformat()
    assert f'name="received_on" value="{now}"' in c.get("/henvendelser/ny").text
    mail = "Fra: Klaus <k@kk.dk>\nSendt: 11. maj 2023 14:32\nEmne: Ventetider\n\n1. Hvor lang er ventetiden?"
    form = {"csrf": csrf_of(c), "action": "fortolk", "mail": mail, "received_default": now}
    assert 'value="2023-05-11"' in c.post("/henvendelser/ny", data={**form, "received_on": now}).text  # the mail's date
    typed = c.post("/henvendelser/ny", data={**form, "received_on": "2023-06-01"}).text
    assert 'value="2023-06-01"' in typed and 'value="2023-05-11"' not in typed  # a date typed is kept
