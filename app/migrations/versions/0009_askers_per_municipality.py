"""askers per municipality: the same name on another council is someone else

Revision ID: 0009
Revises: 0008

Askers were matched by name alone, across municipalities, so one row may hold inquiries from
several councils (an Aalborg letter printed a Copenhagen member's e-mail). Each asker gets the
municipality of its first inquiry; the inquiries of any other municipality move to a new asker of
that municipality with the same name and role, but without the e-mail, which belonged to the first.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("asker", sa.Column("municipality", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    op.create_index("ix_asker_municipality", "asker", ["municipality"], unique=False)
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT i.asker_id, o.municipality, i.id FROM inquiry i JOIN organisation o ON o.id = i.organisation_id "
        "ORDER BY i.asker_id, i.id")).all()
    first: dict[int, str] = {}
    moved: dict[tuple[int, str], list[int]] = {}
    for asker_id, municipality, inquiry_id in rows:
        first.setdefault(asker_id, municipality)
        if municipality != first[asker_id]:
            moved.setdefault((asker_id, municipality), []).append(inquiry_id)
    for asker_id, municipality in first.items():
        conn.execute(sa.text("UPDATE asker SET municipality = :m WHERE id = :id"), {"m": municipality, "id": asker_id})
    for (asker_id, municipality), inquiries in moved.items():
        name, role, kind = conn.execute(sa.text("SELECT name, role, kind FROM asker WHERE id = :id"), {"id": asker_id}).one()
        new_id = conn.execute(sa.text("INSERT INTO asker (name, role, kind, municipality) VALUES (:n, :r, :k, :m) RETURNING id"),
                              {"n": name, "r": role, "k": kind, "m": municipality}).scalar_one()
        for inquiry_id in inquiries:
            conn.execute(sa.text("UPDATE inquiry SET asker_id = :a WHERE id = :id"), {"a": new_id, "id": inquiry_id})


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later): batch mode would copy the table, which the inquiries' foreign keys forbid.
    op.drop_index("ix_asker_municipality", table_name="asker")
    op.drop_column("asker", "municipality")
