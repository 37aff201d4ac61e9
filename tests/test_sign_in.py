"""Issue 22: staff sign in with the municipality's identity provider — a real one, oidc-provider under Node.js on
127.0.0.1 — their groups mapped to units and roles at each sign-in; every failure a Danish message, never a 500."""

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import time_machine
from sqlmodel import Session, select

from app.auth import oidc
from app.auth import service as auth_service
from app.config import Settings
from app.main import create_app
from app.models import AuditEntry, Inquiry, Municipality, Organisation, User
from app.organisations import structure
from tests.oidc_server import CALLBACK, Provider

KK, AALBORG = "Københavns Kommune", "Aalborg Kommune"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    idp = Provider(tmp_path_factory.mktemp("idp"), accounts={
        "anna": {"name": "Anna Andersen", "email": "anna@kk.dk", "preferred_username": "anna@kk.dk",
                 "groups": ["BSV-Sekretariat"]},
        # In over 200 groups: Entra ID then names where to fetch them ("group overage") instead of listing them.
        "bent": {"name": "Bent Bach", "email": "bent@kk.dk", "preferred_username": "bent@kk.dk",
                 "_claim_names": {"groups": "src1"},
                 "_claim_sources": {"src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/bent/getMemberObjects"}}}}).start()
    yield idp
    idp.stop()


@pytest.fixture
def kk(seeded, provider, monkeypatch):
    """Københavns Kommune signs in with the provider: its secretariat group drafts, its direction approves; a
    group in the table that names another municipality's unit gives nothing there."""
    monkeypatch.setenv("OIDC_CLIENT_SECRET_KOEBENHAVNS_KOMMUNE", "hemmelig-test")
    oidc._METADATA.clear()
    with Session(seeded) as session:
        m = session.exec(select(Municipality).where(Municipality.name == KK)).one()
        m.sign_in = {"issuer": provider.url, "client_id": "besvar", "groups_claim": "groups", "label": "Microsoft Entra ID",
                     "groups": {"BSV-Sekretariat": [{"unit": "kk-bif", "role": "drafter"}],
                                "BSV-Direktion": [{"unit": "kk-bif", "role": "approver"}],
                                "Forkert-tabel": [{"unit": "aalborg-fb", "role": "admin"}]}}
        session.add(m)
        session.commit()
        key = m.key
    provider.accounts["anna"]["groups"] = ["BSV-Sekretariat"]
    provider.write_accounts()
    app = create_app(Settings(database_url="sqlite://", public_url="https://testserver"), engine=seeded)
    return app, key


def _client(app):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


def _sign_in(app, key, provider, login="anna"):
    """The browser's way: Besvar's button, the provider's pages, back to Besvar's callback."""
    client = _client(app)
    start = client.get(f"/login/oidc/{key}?next=/henvendelser", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith(provider.url), start.text
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]  # PKCE, state, nonce
    back = provider.sign_in(start.headers["location"], login)
    return client, back, client.get(back.removeprefix("https://testserver"), follow_redirects=False)


def _places(engine, username):
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        return sorted((p.unit, p.role) for p in structure.memberships(session, user.id))


def test_the_groups_give_units_and_roles_and_a_change_of_groups_takes_effect_at_the_next_sign_in(kk, provider, seeded):
    app, key = kk
    page = _client(app).get("/login")
    assert "Log ind med Microsoft Entra ID (Københavns Kommune)" in page.text
    client, _, answer = _sign_in(app, key, provider)
    assert answer.status_code == 303 and answer.headers["location"] == "/henvendelser", answer.text[-1500:]
    assert client.get("/konto").status_code == 200  # signed in
    username = f"{key}.anna"
    assert _places(seeded, username) == [("kk-bif", "drafter")]  # "Forkert-tabel" gives nothing in Aalborg
    # And from the other municipality: Anna opens Copenhagen's inquiries, not Aalborg's.
    with Session(seeded) as session:
        ids = {org: session.exec(select(Inquiry.id).join(Organisation, Organisation.id == Inquiry.organisation_id)
                                 .where(Organisation.municipality == org)).first() for org in (KK, AALBORG)}
    assert client.get(f"/henvendelser/{ids[KK]}").status_code == 200
    assert client.get(f"/henvendelser/{ids[AALBORG]}").status_code == 404

    # Moved to the direction: at her next sign-in she approves, and no longer drafts.
    provider.accounts["anna"]["groups"] = ["BSV-Direktion"]
    provider.write_accounts()
    _, _, answer = _sign_in(app, key, provider)
    assert answer.status_code == 303
    assert _places(seeded, username) == [("kk-bif", "approver")]
    # Out of every group: the sign-in is refused, in Danish, and she is a member of nothing any more.
    provider.accounts["anna"]["groups"] = ["Kantineudvalget"]
    provider.write_accounts()
    client, _, answer = _sign_in(app, key, provider)
    assert answer.status_code == 403 and "ingen af dine grupper giver adgang til Besvar" in answer.text
    assert "__Host-besvar" not in answer.headers.get("set-cookie", "")
    assert _places(seeded, username) == []
    with Session(seeded) as session:
        events = session.exec(select(AuditEntry).where(AuditEntry.action == "user.memberships")).all()
        assert any(e.detail.get("via") == "identitetsudbyder" and e.detail["after"] == [] for e in events)


def test_a_user_in_too_many_groups_to_be_sent_is_told_why_and_nothing_changes(kk, provider, seeded):
    app, key = kk
    _, _, answer = _sign_in(app, key, provider, login="bent")
    assert answer.status_code == 403 and "så mange grupper" in answer.text and "Groups assigned to the application" in answer.text
    assert "__Host-besvar" not in answer.headers.get("set-cookie", "")
    with Session(seeded) as session:
        assert session.exec(select(User).where(User.username == f"{key}.bent")).first() is None  # no account made


def test_a_local_account_of_the_same_person_is_linked_at_the_first_sign_in_and_never_one_of_another_municipality(kk, provider, seeded):
    app, key = kk
    with Session(seeded) as session:
        kk_org, aalborg = (session.exec(select(Organisation).where(Organisation.key == k)).one() for k in ("kk-bif", "aalborg-fb"))
        # And from the other municipality: an account there with the same address is someone else's to link.
        auth_service.add_user(session, username="anna-aalborg", role="drafter", name="Anna i Aalborg", email="anna@kk.dk",
                              organisation_id=aalborg.id)
        auth_service.add_user(session, username="anna", role="viewer", name="Anna A.", email="Anna@KK.dk",
                              password="anna-sin-adgangskode", organisation_id=kk_org.id)
    _, _, answer = _sign_in(app, key, provider)
    assert answer.status_code == 303, answer.text[-1500:]
    with Session(seeded) as session:
        anna = session.exec(select(User).where(User.username == "anna")).one()
        assert anna.subject == f"{provider.url} anna" and anna.name == "Anna Andersen"
        assert session.exec(select(User).where(User.username == f"{key}.anna")).first() is None  # no second account
        assert session.exec(select(User).where(User.username == "anna-aalborg")).one().subject is None
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "user.link")).one().detail["username"] == "anna"
    assert _places(seeded, "anna") == [("kk-bif", "drafter")]  # the groups decide from now on
    assert _places(seeded, "anna-aalborg") == [("aalborg-fb", "drafter")]


def test_a_replayed_answer_is_refused_and_starts_no_session(kk, provider):
    app, key = kk
    client, back, first = _sign_in(app, key, provider)
    assert first.status_code == 303
    again = _client(app).get(back.removeprefix("https://testserver"), follow_redirects=False)
    assert again.status_code == 400 and "Loginforsøget er ugyldigt, brugt eller udløbet" in again.text
    assert "__Host-besvar" not in again.headers.get("set-cookie", "")
    # An answer naming another provider (RFC 9207's iss: a mix-up) is refused; so is a state never issued, or none.
    client = _client(app)
    start = client.get(f"/login/oidc/{key}", follow_redirects=False)
    back = provider.sign_in(start.headers["location"], "anna")
    assert "iss=" in back
    mixed = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fandet.example", back).removeprefix("https://testserver")
    refused = client.get(mixed, follow_redirects=False)
    assert refused.status_code == 400 and "en anden identitetsudbyder" in refused.text
    for state in ("opdigtet", ""):
        forged = _client(app).get(f"/login/oidc/callback?code=x&state={state}", follow_redirects=False)
        assert forged.status_code == 400 and "Loginforsøget" in forged.text


def _token_for(provider, client_id: str, secret: str, nonce: str) -> str:
    """An ID token the provider issues to `client_id`, through its own pages and token endpoint."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = f"{provider.url}/auth?" + urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid profile email", "redirect_uri": CALLBACK,
        "state": "s", "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    code = parse_qs(urlsplit(provider.sign_in(url, "anna")).query)["code"][0]
    token = httpx.post(f"{provider.url}/token", auth=(client_id, secret), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    return token.json()["id_token"]


def test_a_token_for_another_system_an_expired_one_and_a_wrong_nonce_are_refused(kk, provider, seeded):
    _, key = kk
    with Session(seeded) as session:
        settings = oidc.settings_of(session, key)
    metadata = oidc._metadata(provider.url)
    good = _token_for(provider, "besvar", "hemmelig-test", "n-1")
    assert oidc._verify(settings, metadata, good, nonce="n-1", access_token=None)["sub"] == "anna"
    other = _token_for(provider, "andet-system", "andet-hemmeligt", "n-2")  # signed by the same provider
    with pytest.raises(oidc.SignInFailed, match="ikke til Besvar"):
        oidc._verify(settings, metadata, other, nonce="n-2", access_token=None)
    with pytest.raises(oidc.SignInFailed):
        oidc._verify(settings, metadata, good, nonce="another", access_token=None)
    with time_machine.travel(timedelta(hours=2)), pytest.raises(oidc.SignInFailed, match="udløbet"):
        oidc._verify(settings, metadata, good, nonce="n-1", access_token=None)
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with pytest.raises(oidc.SignInFailed):
        oidc._verify(settings, metadata, tampered, nonce="n-1", access_token=None)


def test_a_cancelled_sign_in_an_unknown_municipality_and_a_provider_that_is_down_are_danish_messages(kk, seeded, monkeypatch):
    app, key = kk
    client = _client(app)
    cancelled = client.get("/login/oidc/callback?error=access_denied&state=x")
    assert cancelled.status_code == 401 and "Du afbrød login hos kommunen." in cancelled.text
    unknown = client.get("/login/oidc/ingen-kommune", follow_redirects=False)
    assert unknown.status_code == 400 and "har ikke login med sin egen identitetsudbyder" in unknown.text
    from tests.mail_server import free_port

    with Session(seeded) as session:
        m = session.exec(select(Municipality).where(Municipality.key == key)).one()
        m.sign_in = {**m.sign_in, "issuer": f"http://127.0.0.1:{free_port()}"}
        session.add(m)
        session.commit()
    down = client.get(f"/login/oidc/{key}", follow_redirects=False)
    assert down.status_code == 502 and "Kommunens login svarer ikke lige nu" in down.text


def test_a_flood_of_sign_ins_is_bounded_and_answered_in_danish(kk, monkeypatch):
    """Anyone may press the button: past the bound, a 429 in Danish instead of an ever-growing table."""
    app, key = kk
    monkeypatch.setattr(oidc, "MAX_OPEN_ATTEMPTS", 3)
    client = _client(app)
    assert [client.get(f"/login/oidc/{key}", follow_redirects=False).status_code for _ in range(3)] == [303] * 3
    flooded = client.get(f"/login/oidc/{key}", follow_redirects=False)
    assert flooded.status_code == 429 and "For mange loginforsøg lige nu" in flooded.text
