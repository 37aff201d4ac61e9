"""The `besvar` command, as in API.md."""

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlmodel import col

from app.config import get_settings

cli = typer.Typer(
    help="Besvar: svar på spørgsmål fra politikere.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="The database.", no_args_is_help=True)
bank_cli = typer.Typer(help="The question bank.", no_args_is_help=True)
user_cli = typer.Typer(help="Users.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_cli = typer.Typer(help="The audit trail.", no_args_is_help=True)
seal_cli = typer.Typer(help="PDF seals.", no_args_is_help=True)
search_cli = typer.Typer(help="The search index.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(bank_cli, name="bank")
cli.add_typer(user_cli, name="user")
cli.add_typer(token_cli, name="token")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(seal_cli, name="seal")
cli.add_typer(search_cli, name="search")


def _engine():
    from app.db import make_engine

    return make_engine(get_settings().database_url)


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"besvar: {message}", err=True)
    raise typer.Exit(code)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to DATABASE_URL."""
    from app.bank.service import index_missing, reindex
    from app.migrate import upgrade

    upgrade(get_settings().database_url)
    engine = _engine()
    if index_missing(engine):
        counts = reindex(engine)
        typer.echo(f"search index built: {counts['paragraph']} paragraphs, {counts['question']} questions")
    typer.echo("database is up to date")


@db_cli.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Generate a migration from the models (for developers)."""
    from app.migrate import revision

    revision(get_settings().database_url, message)


@bank_cli.command("import")
def bank_import(path: Annotated[Path, typer.Argument(help="a bank file or folder")]) -> None:
    """Load question bank files (idempotent by key); exit 2 if a file is bad, which then writes nothing."""
    from app.bank.service import import_path

    if not path.exists():
        _fail(f"{path}: no such file or folder", 2)
    reports = import_path(_engine(), path)
    bad = [r for r in reports if r.error]
    for report in reports:
        if report.error:
            typer.echo(f"error: {report.error}", err=True)
        else:
            c = report.counts
            typer.echo(f"{report.path}: {c['created']} new, {c['updated']} changed, {c['unchanged']} unchanged")
    if bad:
        _fail(f"{len(bad)} of {len(reports)} files not imported", 2)


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the paragraphs and answered questions (one transaction)."""
    from app.bank.service import reindex

    counts = reindex(_engine())
    typer.echo(f"search index rebuilt: {counts['paragraph']} paragraphs, {counts['question']} questions")


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        _fail("password must be at least 8 characters", 2)
    return password


@user_cli.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="drafter, approver, admin, contributor, viewer, or operator (runs Besvar: creates municipalities, reads none)")],
    name: Annotated[str, typer.Option(help="full name as shown in letters")],
    title: Annotated[str | None, typer.Option(help="job title")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    organisation: Annotated[str | None, typer.Option(help="organisation key: a member of its default unit")] = None,
    unit: Annotated[list[str] | None, typer.Option(help="unit key, the role there after a colon (ROLE if left out); repeat for several")] = None,
    email: Annotated[str | None, typer.Option(help="the address Besvar mails the user at")] = None,
) -> None:
    """Add a user with memberships; without a password the user can only use tokens."""
    from sqlmodel import Session

    from app.auth import service as auth_service
    from app.errors import BesvarError
    from app.organisations import service as organisation_service

    password = _read_password() if password_stdin else None
    with Session(_engine()) as session:
        try:
            org_id = organisation_service.resolve(session, key=organisation, user=None).id if organisation else None
            units = [(u.partition(":")[0], u.partition(":")[2] or role) for u in unit or []]
            auth_service.add_user(session, username=username, role=role, name=name, title=title, email=email,
                                  password=password, organisation_id=org_id, units=units,
                                  operator=role == auth_service.OPERATOR)
        except BesvarError as exc:
            _fail(exc.detail, 2)
    if role == auth_service.OPERATOR:
        typer.echo(f"user {username} (operator) added: creates municipalities under /admin/kommuner")
    elif not unit and not organisation:
        typer.echo(f"user {username} ({role}) added, a member of no unit yet: give --unit to let them see anything", err=True)
    else:
        typer.echo(f"user {username} ({role}) added")


@user_cli.command("demo")
def user_demo(logins_file: Annotated[Path, typer.Option(help="where the demo logins are kept")] = Path("var/demo-logins.txt")) -> None:
    """Create the demo users on first start and print their logins once."""
    from sqlmodel import Session, select

    from app.auth import service as auth_service
    from app.models import Organisation, Person, User

    # One set per seed municipality: a drafter and a director of each, and an admin of Copenhagen's.
    demo = [
        ("sekretariat", "drafter", "Sara Sekretær", "Fuldmægtig", None, "kk-bif"),
        ("direktoer", "approver", "Henrik Lund", "Administrerende direktør", "henrik-lund", "kk-bif"),
        ("admin", "admin", "Anders Admin", "Systemadministrator", None, "kk-bif"),
        ("aalborg-sekretariat", "drafter", "Mette Mikkelsen", "Sagsbehandler", None, "aalborg-fb"),
        ("aalborg-direktoer", "approver", "Arne Lund Kristensen", "Direktør", "arne-lund-kristensen", "aalborg-fb"),
        ("drift", "operator", "Dorte Drift", "Driftsansvarlig", None, None),  # creates a new municipality in the browser
    ]
    with Session(_engine()) as session:
        if session.exec(select(User).where(col(User.username) == "sekretariat")).first():
            typer.echo(f"demo users exist; their logins are in {logins_file}")
            return
        lines = []
        for username, role, name, title, person_key, org_key in demo:
            if session.exec(select(User).where(col(User.username) == username)).first():
                continue
            org = session.exec(select(Organisation).where(col(Organisation.key) == org_key)).first()
            password = secrets.token_urlsafe(9)
            person = session.exec(select(Person).where(col(Person.key) == person_key)).first() if person_key else None
            auth_service.add_user(
                session, username=username, role=role, name=name, title=title, password=password,
                organisation_id=org.id if org else None, person_id=person.id if person else None,
                operator=role == auth_service.OPERATOR,
            )
            token = auth_service.create_token(session, username=username)
            where = f"{org.municipality}, {org.name}" if org else ("alle kommuner: opretter nye" if role == auth_service.OPERATOR else "ingen forvaltning")
            lines.append(f"{username:20} {role:9} {where:62}  password: {password}   API token: {token}")
        _demo_councils(session)
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.write_text("\n".join(lines) + "\n")
    os.chmod(logins_file, 0o600)
    typer.echo(f"Demo logins (shown once; also kept in {logins_file}):")
    for line in lines:
        typer.echo("  " + line)


def _demo_councils(session) -> None:
    """Each seed municipality's council as a list of the bank's askers there, so a demo answer can be copied to it."""
    from sqlmodel import select

    from app.dispatch import councils
    from app.models import Asker, Municipality

    for municipality in session.exec(select(Municipality)):
        members = [{"name": a.name, "email": a.email} for a in session.exec(
            select(Asker).where(col(Asker.municipality) == municipality.name).order_by(col(Asker.name)))]
        if members:
            name = "Borgerrepræsentationen" if municipality.key == "koebenhavns-kommune" else "Byrådet"
            councils.save(session, municipality=municipality, name=name, whole_council=True, members=members, by=None)


@token_cli.command("create")
def token_create(
    username: str,
    name: str = typer.Option("API-token", help="what the token is for, as the token list shows it"),
    expires: str | None = typer.Option(None, help="valid through this day, YYYY-MM-DD; default: until revoked"),
    read_only: bool = typer.Option(False, "--read-only", help="only GET and HEAD requests"),
) -> None:
    """Print a new API token, and nothing else, on stdout."""
    from datetime import date

    from sqlmodel import Session

    from app.auth import service as auth_service
    from app.errors import BesvarError

    try:
        expires_on = date.fromisoformat(expires) if expires else None
    except ValueError:
        _fail(f"--expires must be a date written YYYY-MM-DD, not {expires!r}", 2)
    with Session(_engine()) as session:
        try:
            token = auth_service.create_token(session, username=username, name=name[:100], expires_on=expires_on,
                                              read_only=read_only)
        except BesvarError as exc:
            _fail(exc.detail, 2)
    typer.echo(token)


@token_cli.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token (its id from GET /api/v1/tokens); it stops at once."""
    from sqlmodel import Session

    from app.auth import service as auth_service
    from app.errors import BesvarError

    with Session(_engine()) as session:
        try:
            auth_service.revoke_token(session, token_id=token_id, user=None)
        except BesvarError as exc:
            _fail(exc.detail, 2)
    typer.echo(f"token {token_id} revoked")


@user_cli.command("deactivate")
def user_deactivate(username: str) -> None:
    """Deactivate a user: their sessions and tokens stop at once; their work stays."""
    from sqlmodel import Session

    from app.auth import service as auth_service
    from app.errors import BesvarError

    with Session(_engine()) as session:
        try:
            auth_service.set_active(session, username=username, active=False, by=None)
        except BesvarError as exc:
            _fail(exc.detail, 2)
    typer.echo(f"user {username} deactivated")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first broken link."""
    from sqlmodel import Session

    from app.audit import service as audit_service

    with Session(_engine()) as session:
        result = audit_service.verify(session)
    if not result.ok:
        _fail(f"audit trail broken: {result.problem}", 1)
    typer.echo(f"audit trail intact: {result.entries} entries")


@cli.command("export")
def export(
    approved: Annotated[bool, typer.Option("--approved", help="every approved letter not yet exported")] = False,
    to: Annotated[Path | None, typer.Option("--to", help="drop folder; default: each organisation's own target")] = None,
) -> None:
    """Write every approved, not yet exported letter's bundle; a failed letter stays pending for the next run."""
    from rich.progress import Progress

    from app.exports import service as export_service

    if not approved:
        _fail("say --approved to export every approved letter not yet exported", 2)
    if to is not None and not to.is_dir():
        _fail(f"{to}: no such folder", 2)
    engine = _engine()
    from sqlmodel import Session

    with Session(engine) as session:
        total = len(export_service.pending(session))
    done, failed = 0, []
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("Eksporterer", total=total)
        for outcome in export_service.export_pending(engine, folder=to, actor="cli",
                                                     progress=lambda: progress.advance(task)):
            if outcome.ok:
                done += 1
            else:
                failed.append(outcome)
    for outcome in failed:
        typer.echo(f"letter {outcome.letter_id}: {outcome.message}", err=True)
    typer.echo(f"exported {done} of {total} letters" + (f"; {len(failed)} failed and stay pending" if failed else ""))
    if failed:
        raise typer.Exit(1)


@seal_cli.command("test-cert")
def seal_test_cert(
    org: Annotated[str, typer.Argument(help="organisation key")],
    out: Annotated[Path, typer.Option(help="the PKCS#12 file to write")] = Path("var/seal-test.p12"),
) -> None:
    """Make a self-signed test seal for ORG (demo and tests only) and print the settings that use it."""
    from app.rendering import seal

    password = secrets.token_urlsafe(12)
    seal.make_test_certificate(out, name=org, password=password.encode())
    env = org.upper().replace("-", "_")
    typer.echo(f"BESVAR_SEAL_P12_{env}={out.resolve()}")
    typer.echo(f"BESVAR_SEAL_PASSWORD_{env}={password}")


@cli.command("backup")
def backup(to: Annotated[Path, typer.Option("--to", help="the backup file to write")]) -> None:
    """Write a consistent backup of DATABASE_URL while the service runs (SQLite backup API or pg_dump)."""
    from app.backup import BackupError
    from app.backup import backup as do_backup

    try:
        result = do_backup(get_settings().database_url, to)
    except BackupError as exc:
        _fail(str(exc), 2)
    typer.echo(f"backup written to {to}: {result.line()}")


@cli.command("restore")
def restore(
    source: Annotated[Path, typer.Argument(help="a file written by besvar backup")],
    force: Annotated[bool, typer.Option("--force", help="replace a database that holds data")] = False,
) -> None:
    """Replace DATABASE_URL with a backup; stop the service first."""
    from app.backup import BackupError
    from app.backup import restore as do_restore

    try:
        result = do_restore(get_settings().database_url, source, force=force)
    except BackupError as exc:
        _fail(str(exc), 2)
    typer.echo(f"restored from {source}: {result.line()}")
    if not result.audit_ok:
        _fail("the restored audit trail does not verify", 1)


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="processes serving requests (all share the database)")] = 1,
) -> None:
    """Start the web service."""
    from app.serving import serve as run_server

    # Each worker builds its own app from the environment; nothing is shared but the database.
    run_server(host, port, workers)


@cli.command("worker")
def worker(once: Annotated[bool, typer.Option("--once", help="one round, then exit (for cron and tests)")] = False) -> None:
    """Send the outbox over SMTP_URL, sweep reminders and digests, and read the mailbox at IMAP_URL into Indgående."""
    import logging

    from app.mail import worker as mail_worker

    settings = get_settings()
    engine = _engine()
    if once:
        done = mail_worker.run_once(engine, settings)
        typer.echo(f"mail: {done['received']} received, {done['sent']} sent, {done['retried']} to retry, "
                   f"{done['failed']} failed")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    mail_worker.run_forever(engine, settings)


def main() -> None:
    """Entry point of the `besvar` script."""
    cli()
