"""Issue 22: a municipality's admin manages its users, their units and roles, and their tokens in the browser —
and from the other municipality sees and touches nothing."""

import re

from sqlmodel import Session, select

from app.auth import service as auth_service
from app.db import make_engine
from app.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.test_isolation import world  # noqa: F401 - the fixture: Copenhagen's two forvaltninger and Aalborg
from tests.test_web import csrf_of


def _token(world, username: str) -> tuple[int, str]:
    engine = make_engine(world.url)
    with Session(engine) as session:
        row, token = auth_service.issue_token(session, username=username, name="Regneark")
        return row.id, token


def test_an_admin_sees_and_manages_the_users_and_tokens_of_their_municipality_only(world):  # noqa: F811
    admin = world.browser("admin")
    page = admin.get("/admin/brugere")
    assert page.status_code == 200
    assert "kk-bif-target" in page.text and "kk-suf-target" in page.text  # both Copenhagen forvaltninger
    assert "aalborg-fb-target" not in page.text and not re.search(r"aalborg-fb-seed", page.text)
    assert world.browser("drafter").get("/admin/brugere").status_code == 403
    # And from the other municipality: Aalborg's token is not found, and keeps working.
    theirs, their_token = _token(world, "aalborg-fb-target")
    api = world.api()
    refused = admin.post(f"/admin/tokens/{theirs}/tilbagekald", data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert refused.status_code == 404
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {their_token}"}).status_code == 200
    # A token for a service account, made on the page and shown once; for Aalborg's user, none.
    made = admin.post("/admin/tokens", data={"csrf": csrf_of(admin), "username": "kk-suf-target", "name": "ESDH-eksport",
                                             "read_only": "ja"})
    shown = re.search(r'<code class="token">(bsv_[^<]+)</code>', made.text)
    assert made.status_code == 201 and shown
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {shown[1]}"}).status_code == 200
    assert api.post("/api/v1/tokens", headers={"Authorization": f"Bearer {shown[1]}"}, json={}).status_code == 403  # reads only
    assert shown[1] not in admin.get("/admin/brugere").text
    assert admin.post("/admin/tokens", data={"csrf": csrf_of(admin), "username": "aalborg-fb-target"}).status_code == 404
    past = admin.post("/admin/tokens", data={"csrf": csrf_of(admin), "username": "kk-suf-target", "expires_on": "2020-01-01"})
    assert past.status_code == 422 and "udløbsdato" in past.text
    ours, our_token = _token(world, "kk-suf-target")
    assert "Regneark" in admin.get("/admin/brugere").text
    done = admin.post(f"/admin/tokens/{ours}/tilbagekald", data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/brugere?ok=token"
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {our_token}"}).status_code == 401
    # Closing an account stops its token at once; opening it again brings the user back.
    _, token = _token(world, "kk-bif-target")
    closed = admin.post("/admin/brugere/kk-bif-target/aktiv", data={"csrf": csrf_of(admin), "active": "nej"},
                        follow_redirects=False)
    assert closed.status_code == 303 and "lukket" in closed.headers["location"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Lukket" in admin.get("/admin/brugere").text
    assert admin.post("/admin/brugere/aalborg-fb-target/aktiv", data={"csrf": csrf_of(admin), "active": "nej"},
                      follow_redirects=False).status_code == 404
    # An admin does not lock themself out: not by closing their account, not by dropping their admin role.
    self_close = admin.post("/admin/brugere/kk-admin/aktiv", data={"csrf": csrf_of(admin), "active": "nej"})
    assert self_close.status_code == 422 and "Du kan ikke lukke din egen konto" in self_close.text
    demoted = admin.post("/admin/brugere/kk-admin/enheder", data={"csrf": csrf_of(admin), "unit": "kk-bif", "role": "drafter"})
    assert demoted.status_code == 422 and "din egen administratorrolle" in demoted.text
    assert admin.get("/admin/brugere").status_code == 200  # still an admin


def test_a_new_user_is_made_in_the_browser_and_every_mistake_is_said_in_danish_keeping_what_was_typed(world):  # noqa: F811
    admin = world.browser("admin")

    def new(**fields):
        data = {"csrf": csrf_of(admin), "username": "mette.m", "name": "Mette Madsen", "email": "mette@kk.dk",
                "unit": "kk-bif", "role": "drafter", "password": PASSWORD} | fields
        return admin.post("/admin/brugere", data=data, follow_redirects=False)

    for fields, says in (({"username": "Åse Ø"}, "Tjek brugernavnet"), ({"password": "kort"}, "Tjek adgangskoden"),
                         ({"email": "ikke-en-adresse"}, "Tjek mailadressen"), ({"name": ""}, "Tjek navnet"),
                         ({"username": "kk-drafter"}, "Brugernavnet findes allerede"),
                         ({"unit": "aalborg-fb"}, "Vælg en enhed i din kommune"), ({"role": "borgmester"}, "Vælg en enhed")):
        r = new(**fields)
        assert r.status_code == 422 and says in r.text, (fields, r.status_code)
        assert 'value="Mette Madsen"' in r.text or fields.get("name") == ""  # what was typed is still there
    made = new()
    assert made.status_code == 303 and made.headers["location"] == "/admin/brugere?ok=ny"
    # She logs in with the password the admin gave, works in the unit given, and the trail says who made her.
    mette = world.browser("admin")
    mette.cookies.clear()
    assert mette.post("/login", data={"username": "mette.m", "password": PASSWORD}, follow_redirects=False).status_code == 303
    assert "Direktionen (Københavns Kommune): Sekretariat" in mette.get("/konto").text
    # Given a second role and the first taken away, in one save.
    saved = admin.post("/admin/brugere/mette.m/enheder", data={"csrf": csrf_of(admin), "unit": "kk-suf", "role": "approver"},
                       follow_redirects=False)
    assert saved.status_code == 303
    engine = make_engine(world.url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "mette.m")).one()
        from app.organisations import structure

        assert [(p.unit, p.role) for p in structure.memberships(session, user.id)] == [("kk-suf", "approver")]
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor == "kk-admin"))]
        assert "user.add" in actions and "user.memberships" in actions


def test_the_admin_sets_the_deadline_rule_units_and_the_sign_in_of_their_municipality_only(world):  # noqa: F811
    from datetime import date

    from app.inquiries.deadlines import add_working_days

    admin = world.browser("admin")
    page = admin.get("/admin/kommune")
    assert page.status_code == 200 and "Familie- og Beskæftigelsesforvaltningen" not in page.text  # Aalborg's is not there
    # The deadline rule: the next inquiry gets it; a rule out of range is said in Danish and changes nothing.
    bad = admin.post("/admin/organisationer/kk-bif/frister", data={"csrf": csrf_of(admin), "deadline_days": "0",
                                                                  "chaser_working_days": "2"}, follow_redirects=False)
    assert bad.status_code == 422 and "Fristen skal være 1–250 arbejdsdage." in bad.text
    ok = admin.post("/admin/organisationer/kk-bif/frister", data={"csrf": csrf_of(admin), "deadline_days": "7",
                                                                 "chaser_working_days": "3"}, follow_redirects=False)
    assert ok.status_code == 303
    new = world.api().post("/api/v1/inquiries", headers={"Authorization": f"Bearer {world.tokens['admin']}"}, json={
        "title": "Parkering", "asker": {"name": "Bo Borger"}, "received_on": "2024-11-18", "organisation": "kk-bif",
        "questions": [{"text": "Hvor mange pladser?"}]})
    assert new.json()["deadline"] == add_working_days(date(2024, 11, 18), 7).isoformat()
    assert admin.post("/admin/organisationer/aalborg-fb/frister", data={"csrf": csrf_of(admin), "deadline_days": "7",
                                                                       "chaser_working_days": "3"}).status_code == 404
    # A unit: made, then its key refused a second time; in Aalborg's organisation not at all.
    unit = {"csrf": csrf_of(admin), "key": "kk-bif-jura", "name": "Jura", "organisation": "kk-bif"}
    assert admin.post("/admin/enheder", data=unit, follow_redirects=False).status_code == 303
    again = admin.post("/admin/enheder", data=unit | {"csrf": csrf_of(admin)})
    assert again.status_code == 422 and "Nøglen er brugt før" in again.text
    assert admin.post("/admin/enheder", data=unit | {"csrf": csrf_of(admin), "key": "aal-x", "organisation": "aalborg-fb"}
                      ).status_code == 404
    # The sign-in and its group table: a line that does not parse, and a unit of Aalborg's, are refused in Danish.
    form = {"csrf": csrf_of(admin), "municipality": "koebenhavns-kommune", "issuer": "https://login.microsoftonline.com/kk/v2.0",
            "client_id": "besvar", "label": "Microsoft Entra ID"}
    wrong = admin.post("/admin/login", data=form | {"groups": "BIF-Jura kk-bif-jura drafter"})
    assert wrong.status_code == 422 and "Gruppetabellen" in wrong.text
    foreign = admin.post("/admin/login", data=form | {"csrf": csrf_of(admin), "groups": "BIF = aalborg-fb:admin"})
    assert foreign.status_code == 422 and "aalborg-fb" in foreign.text
    saved = admin.post("/admin/login", data=form | {"csrf": csrf_of(admin), "groups": "BIF-Jura = kk-bif-jura:drafter, kk-bif:viewer"},
                       follow_redirects=False)
    assert saved.status_code == 303
    assert "Log ind med Microsoft Entra ID (Københavns Kommune)" in world.api().get("/login").text
    assert "BIF-Jura = kk-bif-jura:drafter, kk-bif:viewer" in admin.get("/admin/kommune").text
    assert admin.post("/admin/login", data=form | {"csrf": csrf_of(admin), "municipality": "aalborg-kommune", "groups": ""}
                      ).status_code == 404
    cleared = admin.post("/admin/login", data={"csrf": csrf_of(admin), "municipality": "koebenhavns-kommune", "issuer": "",
                                               "client_id": "", "groups": ""}, follow_redirects=False)
    assert cleared.status_code == 303 and "Log ind med" not in world.api().get("/login").text
    engine = make_engine(world.url)
    with Session(engine) as session:
        actions = {e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor == "kk-admin"))}
    assert {"organisation.deadlines", "unit.add", "municipality.sign_in"} <= actions


def test_a_new_forvaltning_its_letterhead_and_a_sample_letter_on_it(world, tmp_path):  # noqa: F811
    from tests.documents import pdftotext

    admin = world.browser("admin")
    new = {"csrf": csrf_of(admin), "municipality": "koebenhavns-kommune", "key": "kk-tmf", "name": "Teknik- og Miljøforvaltningen",
           "unit": "Center for Parkering", "deadline_days": "12"}
    assert admin.post("/admin/organisationer", data=new, follow_redirects=False).status_code == 303
    again = admin.post("/admin/organisationer", data=new | {"csrf": csrf_of(admin)})
    assert again.status_code == 422 and "Nøglen er brugt før" in again.text
    assert admin.post("/admin/organisationer", data=new | {"csrf": csrf_of(admin), "key": "aal-ny",
                                                           "municipality": "aalborg-kommune"}).status_code == 404
    # Its letterhead: a colour that is not one, and a postcode past its length, said in Danish; then saved.
    head = {"csrf": csrf_of(admin), "name": "Teknik- og Miljøforvaltningen", "unit": "Center for Parkering",
            "street": "Njalsgade 13", "postcode": "2300", "city": "København S", "email": "parkering@kk.dk", "colour": "#2a7a3b"}
    red = admin.post("/admin/organisationer/kk-tmf/brevhoved", data=head | {"colour": "rød"})
    assert red.status_code == 422 and "Farven skrives som #RRGGBB" in red.text
    postcode = admin.post("/admin/organisationer/kk-tmf/brevhoved", data=head | {"csrf": csrf_of(admin), "postcode": "1" * 30})
    assert postcode.status_code == 422 and "Tjek feltet “Postnummer”" in postcode.text
    assert admin.post("/admin/organisationer/kk-tmf/brevhoved", data=head | {"csrf": csrf_of(admin)},
                      follow_redirects=False).status_code == 303
    for kind in ("brev", "notat"):
        sample = admin.get(f"/admin/organisationer/kk-tmf/proeve.pdf?kind={kind}")
        assert sample.status_code == 200 and sample.headers["content-type"] == "application/pdf"
        (tmp_path / f"{kind}.pdf").write_bytes(sample.content)
        text = pdftotext(tmp_path / f"{kind}.pdf")
        assert "Njalsgade 13" in text and "Center for Parkering" in text and "41 dage" in text
    assert admin.get("/admin/organisationer/aalborg-fb/proeve.pdf").status_code == 404
    assert world.browser("drafter").get("/admin/organisationer/kk-tmf/proeve.pdf").status_code == 403


def png(width: int, height: int, pad: int = 0) -> bytes:
    """A PNG of one colour (what a logo file is), or one whose header claims a size it does not hold."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x50\x9e" * width for _ in range(height if width * height <= 10_000_000 else 1))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"tEXt", b"x" * pad) + chunk(b"IEND", b""))


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10"><title>Testby Kommune</title>'
       b'<rect width="40" height="10" fill="#00509e"/></svg>')


def test_an_uploaded_logo_is_checked_kept_and_printed_in_both_formats(world, tmp_path):  # noqa: F811
    import io

    import pikepdf
    from docx import Document

    from app.models import LetterheadLogo, Organisation
    from app.rendering import context, docx

    admin = world.browser("admin")

    def upload(png_bytes: bytes | None, svg_bytes: bytes | None = None, org: str = "kk-bif"):
        files = {k: (f"logo.{k}", v, f"image/{'svg+xml' if k == 'svg' else k}") for k, v in (("png", png_bytes), ("svg", svg_bytes)) if v}
        return admin.post(f"/admin/organisationer/{org}/logo", data={"csrf": csrf_of(admin)}, files=files, follow_redirects=False)

    laughs = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    for png_bytes, svg_bytes, says in (
            (b"GIF89a" + b"\x00" * 40, None, "er ikke en PNG"), (png(100_000, 100_000), None, "er for stor"),
            (png(40, 10)[:43] + b"\xff" * 17 + png(40, 10)[60:], None, "er beskadiget"),  # its pixels garbled
            (png(40, 10, pad=600_000), None, "fylder for meget"),
            (png(40, 10), SVG.replace(b"<rect", b"<script>alert(1)</script><rect"), "indeholder elementer"),
            (png(40, 10), SVG.replace(b"<rect", b'<use href="https://evil.example/x.svg#a"/><rect'), "uden for sig selv"),
            (png(40, 10), SVG.replace(b"<rect", b'<rect onclick="x()"'), "indeholder kode"),
            (png(40, 10), laughs, "erklærer entiteter"), (png(40, 10), b"<svg", "kan ikke læses")):
        r = upload(png_bytes, svg_bytes)
        assert r.status_code == 422 and says in r.text, (says, r.status_code)
    engine = make_engine(world.url)
    with Session(engine) as session:
        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        assert session.get(LetterheadLogo, kk.id) is None  # nothing refused was kept
    assert upload(png(40, 10), org="aalborg-fb").status_code == 404
    assert upload(png(40, 10)).status_code == 303
    # The PNG in the PDF (no SVG given) and in Word; then an SVG too, which the PDF draws as vectors.
    sample = admin.get("/admin/organisationer/kk-bif/proeve.pdf?kind=brev")
    with pikepdf.open(io.BytesIO(sample.content)) as doc:
        assert len(doc.pages[0].get_images()) == 1
    with Session(engine) as session:
        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        logo = session.get(LetterheadLogo, kk.id)
        word = Document(io.BytesIO(docx.render(context.preview(kk, "brev", logo))))
        assert [p.blob for p in word.part.package.parts if p.partname.startswith("/word/media/")] == [png(40, 10)]
    assert upload(png(40, 10), SVG).status_code == 303
    with pikepdf.open(io.BytesIO(admin.get("/admin/organisationer/kk-bif/proeve.pdf").content)) as doc:
        assert len(doc.pages[0].get_images()) == 0  # the SVG, drawn, not a picture
    (tmp_path / "with-svg.pdf").write_bytes(admin.get("/admin/organisationer/kk-bif/proeve.pdf").content)
