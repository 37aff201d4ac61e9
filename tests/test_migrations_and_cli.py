"""Migrations match the models on both databases; the besvar command as API.md names it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from app.migrate import include_object

from tests.test_bank_import import _besvar


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_user_add_and_token_create(database_url, api_client_for):
    added = _besvar(["user", "add", "marie", "--role", "drafter", "--name", "Marie Madsen", "--title", "Fuldmægtig",
                     "--password-stdin"], database_url, stdin="hemmeligt-kodeord\n")
    assert added.returncode == 0, added.stderr
    token = _besvar(["token", "create", "marie"], database_url)
    assert token.returncode == 0 and token.stderr == ""
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bsv_")
    client = api_client_for(database_url)
    assert client.get("/api/v1/inquiries", headers={"Authorization": f"Bearer {lines[0]}"}).status_code == 200


def test_user_add_refusals(database_url):
    assert _besvar(["user", "add", "x", "--role", "boss", "--name", "X"], database_url).returncode == 2
    assert _besvar(["user", "add", "y", "--role", "approver", "--name", "Y"], database_url).returncode == 0
    again = _besvar(["user", "add", "y", "--role", "approver", "--name", "Y"], database_url)
    assert again.returncode == 2 and "exists already" in again.stderr
    short = _besvar(["user", "add", "z", "--role", "admin", "--name", "Z", "--password-stdin"], database_url, stdin="kort\n")
    assert short.returncode == 2
    missing = _besvar(["token", "create", "nobody"], database_url)
    assert missing.returncode == 2 and missing.stdout == ""


def test_password_is_stored_as_argon2(database_url, engine):
    from sqlmodel import Session, select

    from app.auth.service import verify_password
    from app.models import User

    _besvar(["user", "add", "p", "--role", "drafter", "--name", "P", "--password-stdin"], database_url, stdin="et-godt-kodeord\n")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "p")).one()
    assert user.password_hash.startswith("$argon2") and verify_password("et-godt-kodeord", user.password_hash)
