"""Run Alembic programmatically, so the installed package carries its migrations."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Made by migration 0007 for one database only, so not in the models.
NATIVE_SEARCH = ("search_fts", "ix_search_doc_tsv")


def include_object(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Leave each database's own text index (FTS5 tables, the GIN index) out of model comparisons."""
    return not (name or "").startswith(NATIVE_SEARCH)


def alembic_config(url: str) -> Config:
    """An Alembic config for `url` without an alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations to `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
