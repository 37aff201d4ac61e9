"""One Settings class, read from the environment."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; every field can be set by an environment variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = "sqlite:///var/besvar.db"
    besvar_secret_key: str = "dev-only-change-me"
    # Whole request bodies past this are refused with 413 before any parsing.
    max_body_bytes: int = 2 * 1024 * 1024
    # Uploads of earlier letters (several files) may be larger; each file is capped again on its own.
    max_upload_bytes: int = 25 * 1024 * 1024
    # A request's headers must arrive within this, its body within the next; slower clients get a 408.
    request_header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    request_body_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    # A render past this is abandoned with 503 (the caps keep any valid letter far below it).
    render_timeout_seconds: float = 60.0
    # Threads per worker process for quick handlers and their database work. Each runnable thread
    # competes for the one GIL, and the competing costs CPU: bench/load.py at 300 requests/s on
    # PostgreSQL, 2 cores, gave p99 86/91/173/722 ms with 2/3/4/8 threads. Three leave one free
    # while two wait (say, for SQLite's write lock). Long steps have threads of their own
    # (app.routing.long_running).
    worker_threads: int = Field(default=3, ge=1, le=200)
    # Contributions: due this many working days before the inquiry's deadline unless the drafter says
    # otherwise; the login-free link works until this many working days after the due date.
    contribution_due_working_days: int = Field(default=3, ge=0, le=60)
    contribution_link_working_days: int = Field(default=5, ge=0, le=60)
    # Mail: the address pages are reached at (links in mail), the SMTP server (smtp:// with STARTTLS when the
    # server offers it, smtps:// for TLS from the start; user and password in the URL or in SMTP_USERNAME and
    # SMTP_PASSWORD), the sender, and how often the worker looks for work. Without SMTP_URL nothing is sent:
    # messages wait in the outbox.
    public_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    besvar_mail_from: str = "Besvar <besvar@localhost>"
    worker_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    # The shared mailbox (imap:// with STARTTLS when the server offers it, imaps:// for TLS from the start; the
    # path names the folder, INBOX by default; user and password in the URL or in IMAP_USERNAME and
    # IMAP_PASSWORD), the organisation its mail is for (needed where there are several), the folder a
    # fetched message is moved to, and how often the worker looks.
    imap_url: str | None = None
    imap_username: str | None = None
    imap_password: str | None = None
    imap_organisation: str | None = None
    imap_processed_folder: str = "Behandlet"
    imap_poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Browser sessions: idle and absolute lifetimes, and login throttling.
    session_idle_minutes: int = 30
    # How often a live session's last-seen time is written: a write per page view would serialise requests.
    session_touch_seconds: int = Field(default=60, ge=1, le=3600)
    session_max_hours: int = 10
    login_max_failures: int = 5
    login_window_minutes: int = 15


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
