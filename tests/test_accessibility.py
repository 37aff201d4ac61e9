"""Every page in Chromium: axe-core finds nothing, nothing scrolls sideways at 320 CSS px, the focus ring shows."""

import json

import pytest

from tests.conftest import ROOT
from tests.test_e2e_browser import PASSWORD, _browser, _login, _need_browser, server  # noqa: F401 - the fixture

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
DRAFTER_PAGES = ["/indbakke", "/indbakke?sort=titel", "/henvendelser/ny", "/henvendelser/1", "/breve/1", "/bibliotek",
                 "/bibliotek/afsnit/1", "/bibliotek/statistik/aalborg-kontanthjaelpssager", "/bibliotek/import", "/historik",
                 "/historik?letter_id=1", "/indgaaende", "/bidrag", "/konto", "/findes-ikke"]
APPROVER_PAGES = ["/godkendelse", "/breve/1", "/overblik"]
ADMIN_PAGES = ["/admin/brugere", "/admin/kommune", "/admin/synonymer", "/admin/raad", "/udbakke"]
OPERATOR_PAGES = ["/admin/kommuner"]
PUBLIC_PAGES = ["/offentlig/", "/offentlig/?q=sager"]  # and the page of the inquiry Henrik publishes, without a login


def _axe(page) -> list[dict]:
    # Through the DevTools protocol, which the page's CSP (no inline script) does not govern.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result]


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(css: str) -> list[float]:
    return [float(x) for x in css[css.index("(") + 1:css.index(")")].replace(" ", "").split(",")[:3]]


@pytest.fixture
def browser_page(server):  # noqa: F811
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        yield browser, server
        browser.close()


def _visit_all(browser, base: str, width: int) -> dict[str, dict]:
    found = {}
    for user, paths in (("sara", DRAFTER_PAGES), ("henrik", APPROVER_PAGES), ("anders", ADMIN_PAGES), ("drift", OPERATOR_PAGES)):
        page = browser.new_page(viewport={"width": width, "height": 900}, locale="da-DK")
        if user == "drift":  # lands on Kommuner, not in an inbox
            page.goto(base + "/login")
            page.get_by_label("Brugernavn").fill(user)
            page.get_by_label("Adgangskode").fill(PASSWORD)
            page.get_by_role("button", name="Log ind").click()
            page.wait_for_url(base + "/admin/kommuner")
        else:
            _login(page, base, user)
        for path in paths:
            page.goto(base + path)
            found[f"{user} {path}"] = {
                "axe": _axe(page),
                "overflow": page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
            }
        if user == "henrik" and not page.goto(base + "/offentlig/").text().count("/offentlig/20"):
            page.goto(base + "/indbakke")  # the director publishes one of theirs from its page, once
            own = [h for h in (a.get_attribute("href") for a in page.locator("a[href^='/henvendelser/']").all())
                   if h and h.rsplit("/", 1)[-1].isdigit()]
            page.goto(base + own[0])
            page.get_by_text("Offentliggørelse").click()
            page.get_by_role("button", name="Offentliggør", exact=True).click()
            page.wait_for_url("**ok=offentliggjort")
        page.close()
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/offentlig/")
    published = [a.get_attribute("href") for a in page.locator("ol.public-list a").all()]
    assert published, "the inquiry Henrik published is on the public list"
    for path in ["/login", *PUBLIC_PAGES, published[0]]:
        page.goto(base + path)
        found[path] = {"axe": _axe(page),
                       "overflow": page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")}
    page.close()
    return found


def test_axe_finds_nothing_on_any_page(browser_page):
    browser, base = browser_page
    found = {k: v["axe"] for k, v in _visit_all(browser, base, 1280).items() if v["axe"]}
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_no_page_scrolls_sideways_at_320_css_pixels(browser_page):
    """WCAG 2.1 AA 1.4.10: 320 px wide, as 1280 px at 400 % zoom; a data table may scroll in its own region."""
    browser, base = browser_page
    found = {k: v["overflow"] for k, v in _visit_all(browser, base, 320).items() if v["overflow"] > 0}
    assert found == {}, found


def test_the_focus_ring_stands_out_three_to_one(browser_page):
    browser, base = browser_page
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/login")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    style = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, outline: s.outlineColor, width: s.outlineWidth, style: s.outlineStyle,
                bg: getComputedStyle(document.body).backgroundColor}; }""")
    assert style["style"] != "none" and float(style["width"].rstrip("px")) >= 2, style
    assert _contrast(_rgb(style["outline"]), _rgb(style["bg"])) >= 3, style
    page.close()
