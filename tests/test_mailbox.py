"""The shared mailbox (issue 20): a real IMAP server (Dovecot) on 127.0.0.1, read by the worker into Indgående —
plain, HTML-only, forwarded twice, Windows-1252 quoted-printable, an Outlook item attached, a 20 MB attachment,
a thank-you — each message once (Message-ID), moved to the processed folder, three workers racing, the server down."""

import os
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.intake import mailbox
from app.mail import worker
from app.models import IncomingItem
from tests.imap_server import DOVECOT, ImapServer
from tests.mail_server import free_port
from tests.msg_files import outlook_message
from tests.test_mail_in import QUESTIONS

QUESTION_TEXTS = ["Hvor lang er ventetiden på en lægekonsulentvurdering?", "Hvad gør forvaltningen ved den?"]


@pytest.fixture
def imap():
    if DOVECOT is None:
        if os.environ.get("BESVAR_TEST_TOOLS") == "1":
            pytest.fail("BESVAR_TEST_TOOLS=1 but Dovecot is missing (Debian package dovecot-imapd)")
        pytest.skip("Dovecot not installed (Debian package dovecot-imapd); the mailbox tests read a real IMAP server")
    server = ImapServer()
    server.start()
    yield server
    server.stop()


def _settings(imap: ImapServer, **overrides) -> Settings:
    return Settings(imap_url=imap.url, imap_username=imap.username, imap_password=imap.password,
                    imap_organisation="kk-bif", **overrides)


def _mail(n: int, body: str = QUESTIONS, *, subject: str = "Ventetider på lægekonsulentvurderinger", subtype: str = "plain",
          charset: str = "utf-8", cte: str | None = None, sender: str = "Klaus Goldschmidt Henriksen <klaus@kk.dk>",
          attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "bif-sekretariat@kk.dk", subject
    m["Date"], m["Message-ID"] = "Thu, 11 May 2023 14:32:00 +0200", f"<postkasse-{n}@kk.dk>"
    m.set_content(body, subtype=subtype, charset=charset, cte=cte)
    for name, data, mime in attachments:
        maintype, subtype_ = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype_, filename=name)
    return m.as_bytes()


def _twice_forwarded() -> bytes:
    body = ("Til jer.\n\n---------- Videresendt besked ----------\nFra: Borgmesterens sekretariat <bms@kk.dk>\n"
            "Sendt: 4. marts 2026 08:00\nEmne: VS: Parkering ved rådhuset\n\nVideresendes.\n\n"
            "---------- Videresendt besked ----------\nFra: Åse Ærø-Øster <aase@kk.dk>\nSendt: 3. marts 2026 09:12\n"
            "Emne: Parkering ved rådhuset\n\n1. Hvor mange pladser er der?\n2. Hvem må bruge dem?\n")
    return _mail(3, body, subject="VS: VS: Parkering ved rådhuset", sender="Sekretariatet <sek@kk.dk>")


def _with_outlook_item() -> bytes:
    original = outlook_message(subject="Cykelstier", body="1. Hvornår bliver stien færdig?\n", sender_name="Bo Bøgh",
                               sender_email="bo@kk.dk", date="Mon, 02 Mar 2026 10:00:00 +0100", message_id="bo-1@kk.dk")
    return _mail(5, "Se den vedhæftede mail.", subject="VS: Cykelstier", sender="Sekretariatet <sek@kk.dk>",
                 attachments=[("Cykelstier.msg", original, "application/vnd.ms-outlook")])


MESSAGES = {
    "plain": lambda: _mail(1),
    "html": lambda: _mail(2, "<p>Spørgsmål:</p><p>1. Hvor lang er ventetiden på en lægekonsulentvurdering?<br>"
                             "2. Hvad gør forvaltningen ved den?</p>", subtype="html"),
    "forwarded twice": _twice_forwarded,
    "cp1252 qp": lambda: _mail(4, charset="cp1252", cte="quoted-printable"),
    "outlook item": _with_outlook_item,
    "20 MB attachment": lambda: _mail(6, attachments=[("opmaaling.pdf", b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024),
                                                        "application/pdf")]),
    "thank-you": lambda: _mail(7, "Tak for et godt møde i går.", subject="Tak"),
}


def _items(engine) -> list[IncomingItem]:
    with Session(engine) as session:
        return list(session.exec(select(IncomingItem).order_by(IncomingItem.id)))


def test_the_worker_takes_every_kind_of_mail_from_the_mailbox_once_and_moves_it(seeded, imap, api):
    for make in MESSAGES.values():
        imap.deliver(make())
    done = worker.run_once(seeded, _settings(imap), sweep=False)
    assert (done["received"], done["known"]) == (7, 0)
    assert (imap.count("INBOX"), imap.count("Behandlet")) == (0, 7)
    items = {i.message_id: i for i in _items(seeded)}
    got = {kind: items[f"<postkasse-{n}@kk.dk>"] for n, kind in enumerate(MESSAGES, start=1)}
    assert {i.source for i in got.values()} == {"mailbox"} and {i.organisation_id for i in got.values()} == {got["plain"].organisation_id}
    for kind in ("plain", "html", "cp1252 qp", "20 MB attachment"):
        assert (got[kind].sender_email, got[kind].questions, str(got[kind].received_on)) == (
            "klaus@kk.dk", QUESTION_TEXTS, "2023-05-11"), kind
    assert (got["forwarded twice"].sender_name, str(got["forwarded twice"].received_on), got["forwarded twice"].questions) == (
        "Åse Ærø-Øster", "2026-03-03", ["Hvor mange pladser er der?", "Hvem må bruge dem?"])
    assert (got["outlook item"].sender_email, got["outlook item"].questions) == ("bo@kk.dk", ["Hvornår bliver stien færdig?"])
    assert got["thank-you"].questions == []
    # The 20 MB attachment is named, not read, and the secretariat sees why in Indgående.
    listed = {i["id"]: i for i in api.get("/api/v1/intake").json()["items"]}
    assert listed[got["20 MB attachment"].id]["notes"] == ["Bilaget opmaaling.pdf er over 10 MB og er ikke læst."]
    # The same message again (a resend, a second delivery): moved, not a second item.
    imap.deliver(MESSAGES["plain"]())
    done = worker.run_once(seeded, _settings(imap), sweep=False)
    assert (done["received"], done["known"], len(_items(seeded))) == (0, 1, 7)
    assert (imap.count("INBOX"), imap.count("Behandlet")) == (0, 8)


def test_three_workers_reading_the_mailbox_at_once_store_each_message_once(seeded, imap):
    for n in range(12):
        imap.deliver(_mail(100 + n, subject=f"Spørgsmål {n}"))
    imap_settings = mailbox.imap_from(_settings(imap))
    assert imap_settings is not None
    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: results.append(mailbox.fetch(seeded, imap_settings))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(str(i.subject) for i in _items(seeded)) == sorted(f"Spørgsmål {n}" for n in range(12)), [(i.message_id, i.subject, i.text[:300]) for i in _items(seeded)]
    assert sum(r["received"] for r in results) == 12
    assert imap.count("INBOX") == 0


def test_a_mailbox_down_or_refusing_the_login_is_tried_again_next_round(seeded, imap):
    down = Settings(imap_url=f"imap://127.0.0.1:{free_port()}/INBOX", imap_username="x", imap_password="y",
                    imap_organisation="kk-bif")
    assert worker.run_once(seeded, down, sweep=False)["received"] == 0
    wrong = _settings(imap).model_copy(update={"imap_password": "forkert"})
    imap.deliver(_mail(1))
    assert worker.run_once(seeded, wrong, sweep=False)["received"] == 0
    assert imap.count("INBOX") == 1  # left where it was, for the next round
    assert worker.run_once(seeded, _settings(imap), sweep=False)["received"] == 1


def test_without_the_organisation_named_a_shared_besvar_does_not_guess_whose_mailbox_it_is(seeded, imap):
    imap.deliver(_mail(1))
    unnamed = _settings(imap).model_copy(update={"imap_organisation": None})
    assert worker.run_once(seeded, unnamed, sweep=False)["received"] == 0
    assert imap.count("INBOX") == 1 and _items(seeded) == []


def test_the_running_worker_shows_a_new_mail_in_indgaaende_within_its_poll_interval(seeded, imap):
    env = {**os.environ, "DATABASE_URL": seeded.url.render_as_string(hide_password=False), "IMAP_URL": imap.url,
           "IMAP_USERNAME": imap.username, "IMAP_PASSWORD": imap.password, "IMAP_ORGANISATION": "kk-bif",
           "IMAP_POLL_SECONDS": "3", "WORKER_INTERVAL_SECONDS": "1"}
    exe = str(Path(sys.executable).with_name("besvar"))
    process = subprocess.Popen([exe, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # the worker is running and has looked once already
        imap.deliver(_mail(1))
        deadline = time.monotonic() + 30
        while not _items(seeded) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        assert [i.questions for i in _items(seeded)] == [QUESTION_TEXTS], process.stderr.read() if process.poll() is not None else ""
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0


def test_a_message_larger_than_any_mail_server_passes_is_kept_by_its_headers_with_a_note(seeded, imap):
    imap.deliver(_mail(9, attachments=[("film.mp4", os.urandom(31 * 1024 * 1024), "video/mp4")]))
    assert worker.run_once(seeded, _settings(imap), sweep=False)["received"] == 1
    (item,) = _items(seeded)
    assert (item.sender_email, item.subject, item.questions) == ("klaus@kk.dk", "Ventetider på lægekonsulentvurderinger", [])
    assert "over grænsen på 40 MB, og er ikke hentet" in item.text and imap.count("Behandlet") == 1
