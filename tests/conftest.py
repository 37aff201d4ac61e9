"""Fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

from app.auth import service as auth_service
from app.bank.service import import_path
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "question_bank"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"  # copies of ../shared/seeds, so a clone stands alone
BACKENDS = ["sqlite", "postgresql"]


def _postgres_base_url() -> str | None:
    """The PostgreSQL URL to test on, or a skip (a failure when REQUIRE_POSTGRES=1)."""
    url = os.environ.get("TEST_DATABASE_URL")
    required = os.environ.get("REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these tests on it")
    try:
        probe = create_engine(url)
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
    except Exception as exc:
        if required:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL at {url} does not answer: {exc}")
        pytest.skip(f"PostgreSQL at {url} does not answer")
    return url


@contextmanager
def _migrated_schema(base: str, schema: str) -> Iterator[str]:
    """A migrated schema of its own on the PostgreSQL at `base` (its URL), dropped at the end."""
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_base() -> str:
    """The test PostgreSQL's URL, or a skip (a failure when REQUIRE_POSTGRES=1)."""
    return _postgres_base_url()


@pytest.fixture(scope="session")
def postgres_schema() -> str:
    """This run's schema name: runs side by side never meet."""
    return f"besvar_test_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def postgres_url(postgres_base, postgres_schema):
    """A migrated schema of its own on the test PostgreSQL, dropped at the end."""
    with _migrated_schema(postgres_base, postgres_schema) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # As the migration leaves it: the audit chain's empty head.
        conn.execute(text("INSERT INTO audit_head (id, count, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "besvar.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url):
    """An engine on the empty database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_template(sqlite_template, tmp_path_factory) -> Path:
    """A migrated SQLite file with the question bank imported, once per run."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    assert [r.error for r in import_path(eng, BANK) if r.error] == []
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_seed_schema(postgres_base, postgres_schema) -> Iterator[str]:
    """A schema beside the test schema holding the imported question bank, once per run."""
    schema = postgres_schema + "_seed"
    with _migrated_schema(postgres_base, schema) as url:
        eng = make_engine(url)
        assert [r.error for r in import_path(eng, BANK) if r.error] == []
        eng.dispose()
        yield schema


@pytest.fixture
def seeded(engine, database_url, request):
    """The engine with the question bank imported (copied from one import per run: the same rows, in milliseconds)."""
    engine.dispose()
    if engine.url.get_backend_name() == "sqlite":
        shutil.copy(request.getfixturevalue("seeded_sqlite_template"), engine.url.database)
        return engine
    seed = request.getfixturevalue("postgres_seed_schema")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
        for table in SQLModel.metadata.sorted_tables:
            conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM {seed}."{table.name}"'))
            if "id" in table.c and table.c.id.type.python_type is int and table.name != "audit_head":
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                  f'COALESCE(MAX(id), 0) + 1, false) FROM "{table.name}"'))
    return engine


@dataclass
class Api:
    """A test client plus a token per role."""

    client: TestClient
    tokens: dict[str, str]

    def headers(self, role: str = "drafter") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, url: str, role: str = "drafter", **kw):
        return self.client.get(url, headers=self.headers(role), **kw)

    def post(self, url: str, role: str = "drafter", **kw):
        return self.client.post(url, headers=self.headers(role), **kw)

    def put(self, url: str, role: str = "drafter", **kw):
        return self.client.put(url, headers=self.headers(role), **kw)

    def patch(self, url: str, role: str = "drafter", **kw):
        return self.client.patch(url, headers=self.headers(role), **kw)

    def approve(self, letter_id: int, role: str = "approver"):
        """Approve the letter at the version it has now, as a reviewer who has just read it."""
        version = self.get(f"/api/v1/letters/{letter_id}", role="admin").json()["version"]
        return self.post(f"/api/v1/letters/{letter_id}/approve", role=role, json={"version": version})


def in_every_unit(session: Session, username: str, role: str) -> None:
    """Make the user a member of every unit in `role`: the general test users work across the bank's organisations
    (the isolation tests use users of one organisation each)."""
    from app.models import Unit, User
    from app.organisations import structure

    user = session.exec(select(User).where(User.username == username)).one()
    for unit in session.exec(select(Unit)).all():
        structure.join(session, user=user, unit_key=unit.key, role=role)
    session.commit()


def make_api(engine) -> Api:
    tokens = {}
    with Session(engine) as session:
        for role in ("drafter", "approver", "admin"):
            auth_service.add_user(session, username=f"test-{role}", role=role, name=f"Test {role}")
            in_every_unit(session, f"test-{role}", role)
            tokens[role] = auth_service.create_token(session, username=f"test-{role}")
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    return Api(client=TestClient(app, raise_server_exceptions=False), tokens=tokens)


@pytest.fixture
def api(seeded) -> Api:
    """The HTTP API on a database holding the question bank."""
    return make_api(seeded)


@pytest.fixture
def empty_api(engine) -> Api:
    """The HTTP API on an empty database."""
    return make_api(engine)


@pytest.fixture
def api_client_for():
    """A test client on an existing database URL."""
    engines = []

    def make(url: str) -> TestClient:
        eng = make_engine(url)
        engines.append(eng)
        return TestClient(create_app(Settings(database_url=url), engine=eng))

    yield make
    for eng in engines:
        eng.dispose()


@pytest.fixture
def sqlite_seeded(sqlite_template, tmp_path):
    """A SQLite database with the question bank, for checks that do not depend on the database kind."""
    path = tmp_path / "seeded.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    assert all(r.error is None for r in import_path(eng, BANK))
    yield eng
    eng.dispose()


def api_routes(app) -> list:
    """Every APIRoute of `app`, through the routers it includes."""
    from fastapi.routing import APIRoute

    def walk(routes):
        for r in routes:
            if isinstance(r, APIRoute):
                yield r
            elif hasattr(r, "routes"):
                yield from walk(r.routes)
            elif hasattr(r, "router"):
                yield from walk(r.router.routes)
            elif hasattr(r, "original_router"):  # FastAPI 0.13x keeps included routers whole
                yield from walk(r.original_router.routes)

    routes = list(walk(app.router.routes))
    assert len(routes) > 20, "the route walk found almost nothing: FastAPI changed how it keeps routes"
    return routes


PASSWORD = "en-god-adgangskode"
ROLES = ("drafter", "approver", "admin")


def _web(seeded):
    """A factory of logged-in browser-like clients, one user per role, on `seeded`."""
    with Session(seeded) as session:
        for role in ROLES:
            auth_service.add_user(session, username=f"web-{role}", role=role, name=f"Web {role}", title="Titel",
                                  password=PASSWORD, organisation_id=None)
            in_every_unit(session, f"web-{role}", role)
        # Who runs Besvar: creates municipalities (app.organisations.municipalities), a member of none.
        auth_service.add_user(session, username="web-operator", role="operator", name="Web drift", password=PASSWORD,
                              operator=True)
    app = create_app(Settings(database_url="sqlite://"), engine=seeded)

    def client(role: str | None = None) -> TestClient:
        c = TestClient(app, base_url="https://testserver")
        if role:
            r = c.post("/login", data={"username": f"web-{role}", "password": PASSWORD}, follow_redirects=False)
            assert r.status_code == 303, r.text
        return c

    return client


@pytest.fixture
def web(seeded):
    """A browser-like client per role (HTTPS, so the Secure cookie is sent) on each database."""
    return _web(seeded)


@pytest.fixture
def web_sqlite(sqlite_seeded):
    """The same on SQLite only: for the route × role matrix, which does not depend on the database."""
    return _web(sqlite_seeded)


@pytest.fixture
def canary_server():
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
