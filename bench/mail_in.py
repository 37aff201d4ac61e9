"""Bench: reading a saved e-mail (.eml, Outlook's .msg) for its questions, beside pasting its text, and what
hostile mail costs. Prints figures; asserts nothing.

    .venv/bin/python bench/mail_in.py [--rounds 50]

Pasting is what a drafter would otherwise do: the parser alone. Uploading adds the email package and, for an
attached Word letter, the letter reader. Then mail built to be costly: 40 nested forwarded messages, 2,000
attachments, a 20 MB attachment (named, not read), Outlook items nested 10 deep and with 500 attachments, and
copies of one mail (3,000 .eml, 300 .msg) with random bytes changed (none may raise; each is bounded).
"""

import argparse
import random
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank.old_letters import reading  # noqa: E402
from app.inquiries import mailfiles  # noqa: E402
from app.inquiries.parsing import parse_email  # noqa: E402
from bench.timing import p90, timed  # noqa: E402
from tests.msg_files import outlook_message  # noqa: E402
from tests.test_mail_in import QUESTIONS, _docx, _eml  # noqa: E402


def outlook(**kwargs) -> bytes:
    fields = {"subject": "Ventetider", "body": QUESTIONS, "sender_name": "Klaus", "sender_email": "klaus@kk.dk",
              "date": "Thu, 11 May 2023 14:32:00 +0200", "message_id": "m@kk.dk"}
    return outlook_message(**(fields | kwargs))


def nested_outlook(depth: int) -> bytes:
    inner = outlook()
    for _ in range(depth):
        inner = outlook(body="Videresendt.", embedded=inner)
    return inner


def nested(depth: int) -> bytes:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "Klaus <klaus@kk.dk>", "Spørgsmål"
    inner.set_content(QUESTIONS)
    for _ in range(depth):
        outer = EmailMessage()
        outer["From"], outer["Subject"] = "Sekretariat <sek@kk.dk>", "VS: Spørgsmål"
        outer.set_content("Videresendt.")
        outer.add_attachment(inner)
        inner = outer
    return inner.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    plain = _eml()
    text = mailfiles.to_text("m.eml", plain)
    with_letter = _eml("Se bilag.", attachments=[("spoergsmaal.docx", _docx("1. Hvor mange?", "2. Hvor længe?"),
                                                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    many = _eml(attachments=[(f"a{n}.txt", b"x", "text/plain") for n in range(2_000)])
    huge = _eml(attachments=[("opmaaling.pdf", b"%PDF-1.7" + bytes(20 * 1024 * 1024), "application/pdf")])
    msg, msg_letter = outlook(), outlook(body="Se bilag.", attachments=[("spm.docx", _docx("1. Hvor mange?"))])
    msg_many = outlook(attachments=[(f"a{n}.txt", b"x") for n in range(500)])
    msg_deep = nested_outlook(10)
    rows = [
        ("paste the text (the parser alone)", lambda: parse_email(text)),
        ("upload the .eml (email package + parser)", lambda: parse_email(mailfiles.to_text("m.eml", plain))),
        ("upload with a Word letter attached", lambda: parse_email(mailfiles.to_text("m.eml", with_letter))),
        ("40 nested forwarded messages (3 read)", lambda: mailfiles.to_text("n.eml", nested(40))),
        (f"2,000 attachments ({len(many) // 1024} kB)", lambda: mailfiles.to_text("a.eml", many)),
        (f"a 20 MB attachment ({len(huge) // 2**20} MB encoded)", lambda: mailfiles.to_text("h.eml", huge)),
        ("upload the .msg (extract-msg + parser)", lambda: parse_email(mailfiles.to_text("m.msg", msg))),
        (".msg with a Word letter attached", lambda: parse_email(mailfiles.to_text("m.msg", msg_letter))),
        (f".msg with 500 attachments ({len(msg_many) // 1024} kB, 50 read)", lambda: mailfiles.to_text("a.msg", msg_many)),
        (f".msg nested 10 deep ({len(msg_deep) // 1024} kB, 3 read)", lambda: mailfiles.to_text("d.msg", msg_deep)),
    ]
    print(f"{'mail':<48}{'median ms':>12}{'p90 ms':>10}")
    for label, fn in rows:
        ms = timed(fn, rounds)
        print(f"{label:<48}{statistics.median(ms):>12.2f}{p90(ms):>10.2f}")
    rnd, refused, start = random.Random(1), 0, time.perf_counter()
    for _ in range(3_000):
        b = bytearray(with_letter)
        for _ in range(rnd.randint(1, 30)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        try:
            mailfiles.to_text("x.eml", bytes(b))
        except reading.UnreadableFile:
            refused += 1
    print(f"3,000 mutated mails: {time.perf_counter() - start:.2f} s in all, {refused} refused as unreadable, none raised")
    refused, slowest, start = 0, 0.0, time.perf_counter()
    for _ in range(300):
        b = bytearray(msg_letter)
        for _ in range(rnd.randint(1, 30)):
            b[rnd.randrange(512, len(b))] = rnd.randrange(256)  # past the header, so most still open as OLE files
        one = time.perf_counter()
        try:
            mailfiles.to_text("x.msg", bytes(b))
        except reading.UnreadableFile:
            refused += 1
        slowest = max(slowest, time.perf_counter() - one)
    print(f"300 mutated .msg: {time.perf_counter() - start:.2f} s in all, slowest {slowest * 1000:.0f} ms, "
          f"{refused} refused as unreadable, none raised")


if __name__ == "__main__":
    main()
