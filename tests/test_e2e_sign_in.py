"""Issue 22 in Debian's Chromium: a member of staff signs in with the municipality's identity provider (a real
one, oidc-provider on 127.0.0.1), lands in the unit and role her group gives, and after a change of groups has
the new ones at her next sign-in; out of every group, she is told why in Danish."""

import pytest
from sqlmodel import Session, select

from app.bank.service import import_path
from app.db import make_engine
from app.migrate import upgrade
from app.models import Municipality
from tests.conftest import BANK
from tests.oidc_server import Provider
from tests.mail_server import free_port
from tests.test_e2e_browser import SHOTS, _browser, _need_browser, serve, think

GROUPS = {"BIF-Sekretariat": [{"unit": "kk-bif", "role": "drafter"}], "BIF-Direktion": [{"unit": "kk-bif", "role": "approver"}]}


@pytest.fixture
def signed_in_world(tmp_path):
    """Besvar on a free port whose Copenhagen signs in at a provider started for it, the table in the bank's
    place, the provider's address and secret in the environment as IT would set them."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = Provider(tmp_path, accounts={"mette": {"name": "Mette Madsen", "email": "mette@kk.dk",
                                                 "preferred_username": "mette@kk.dk", "groups": ["BIF-Sekretariat"]}},
                   clients=[{"client_id": "besvar", "client_secret": "e2e-hemmelighed",
                             "redirect_uris": [f"{base}/login/oidc/callback"]}]).start()
    try:
        url = f"sqlite:///{tmp_path / 'e2e.db'}"
        upgrade(url)
        engine = make_engine(url)
        assert all(r.error is None for r in import_path(engine, BANK))
        with Session(engine) as session:
            kk = session.exec(select(Municipality).where(Municipality.name == "Københavns Kommune")).one()
            kk.sign_in = {"client_id": "besvar", "label": "Microsoft Entra ID", "groups": GROUPS}
            session.add(kk)
            session.commit()
            variable = kk.key.upper().replace("-", "_")
        engine.dispose()
        with serve(url, port=port, env={"PUBLIC_URL": base, f"OIDC_ISSUER_{variable}": idp.url,
                                        f"OIDC_CLIENT_SECRET_{variable}": "e2e-hemmelighed"}):
            yield base, idp
    finally:
        idp.stop()


def test_staff_sign_in_with_the_municipalitys_login_and_their_groups_decide_where_they_work(signed_in_world):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base, idp = signed_in_world
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
        page = context.new_page()

        def sign_in(first: bool) -> None:
            page.goto(f"{base}/login")
            page.get_by_role("link", name="Log ind med Microsoft Entra ID (Københavns Kommune)").click()
            if first:  # the provider's own pages: its login, then its consent
                page.locator("input[name=login]").fill("mette")
                page.locator("input[name=password]").fill("hvad-som-helst")
                think(page)
                page.locator("button[type=submit]").click()
                page.locator("button[type=submit]").click()  # "Continue": Besvar may read her name and groups

        sign_in(first=True)
        expect(page).to_have_url(f"{base}/indbakke")
        page.goto(f"{base}/konto")
        expect(page.get_by_text("Direktionen (Københavns Kommune): Sekretariat")).to_be_visible()
        expect(page.get_by_text("Du logger ind med kommunens login")).to_be_visible()
        expect(page.get_by_text("Mette Madsen · Sekretariat")).to_be_visible()
        page.screenshot(path=str(SHOTS / "20-login-med-kommunen.png"), full_page=True)
        think(page)
        page.get_by_role("button", name="Log ud").click()

        # IT moves her to the direction: at her next sign-in she approves and no longer drafts.
        idp.accounts["mette"]["groups"] = ["BIF-Direktion"]
        idp.write_accounts()
        sign_in(first=False)  # the provider remembers her: straight back to Besvar
        expect(page).to_have_url(f"{base}/indbakke")
        expect(page.get_by_role("link", name="Godkendelse", exact=True)).to_be_visible()
        page.goto(f"{base}/konto")
        expect(page.get_by_text("Direktionen (Københavns Kommune): Direktør")).to_be_visible()
        expect(page.get_by_text(": Sekretariat")).to_have_count(0)
        think(page)
        page.get_by_role("button", name="Log ud").click()

        # Out of Besvar's groups: a Danish answer on Besvar's login page, not a 500 and not a session.
        idp.accounts["mette"]["groups"] = ["Kantineudvalget"]
        idp.write_accounts()
        sign_in(first=False)
        expect(page.get_by_role("alert")).to_contain_text("ingen af dine grupper giver adgang til Besvar")
        page.screenshot(path=str(SHOTS / "21-login-uden-gruppe.png"), full_page=True)
        page.goto(f"{base}/indbakke")
        expect(page).to_have_url(f"{base}/login?next=/indbakke")
        browser.close()
