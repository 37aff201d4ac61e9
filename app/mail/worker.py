"""The worker: `besvar worker` sends the outbox every few seconds, sweeps reminders every few minutes and reads
the shared mailbox every half minute; `--once` does one round of all three and exits (cron, tests)."""

import imaplib
import logging
import signal
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from app.config import Settings
from app.intake import mailbox as intake_mailbox
from app.mail import reminders, sender
from app.models import utcnow

log = logging.getLogger("besvar.worker")


# The sweep reads every open contribution and, after 06:30, every user's queue: every few minutes is often
# enough (a reminder is for the day), while the outbox is sent every round.
SWEEP_EVERY = timedelta(minutes=5)


def run_once(engine: Engine, settings: Settings, *, sweep: bool = True, mailbox: bool = True) -> dict[str, int]:
    """One round: read the mailbox into Indgående, add today's reminders and digests, then send what is due
    (nothing without SMTP_URL: the outbox keeps it)."""
    done = {"received": 0, "known": 0}
    imap = intake_mailbox.imap_from(settings)
    if mailbox and imap is not None:
        try:
            done = intake_mailbox.fetch(engine, imap)
        except (OSError, imaplib.IMAP4.error) as exc:  # the mail server is down or refuses: the next round tries
            log.warning("the mailbox could not be read: %s", exc)
    if sweep:
        reminders.sweep(engine, utcnow())
    smtp = sender.smtp_from(settings)
    return done | (sender.send_due(engine, smtp) if smtp else {"sent": 0, "retried": 0, "failed": 0})


def run_forever(engine: Engine, settings: Settings) -> None:
    """Rounds until SIGTERM or SIGINT; a round that fails is logged and the next one comes as usual."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not settings.smtp_url:
        log.warning("SMTP_URL is not set: messages wait in the outbox until it is")
    swept: datetime | None = None
    looked: datetime | None = None
    while not stop.is_set():
        try:
            now = utcnow()
            due = swept is None or now - swept >= SWEEP_EVERY
            look = looked is None or now - looked >= timedelta(seconds=settings.imap_poll_seconds)
            done = run_once(engine, settings, sweep=due, mailbox=look)
            swept, looked = (now if due else swept), (now if look else looked)
            if any(done.values()):
                log.info("mail: %(received)d received, %(sent)d sent, %(retried)d to retry, %(failed)d failed", done)
        except Exception:  # a broken round must not end the worker: the next one may work
            log.exception("the worker's round failed")
        stop.wait(settings.worker_interval_seconds)
