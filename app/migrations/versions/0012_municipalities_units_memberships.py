"""municipalities, units and memberships: who works where

Each organisation's municipality (its name, as the letterhead has it) becomes a row; each
organisation gets a default unit (keyed as the organisation); each user becomes a member of
their organisation's unit in their role, and a user of no organisation a member of every unit,
so that nobody loses the access they had.

Revision ID: 0012
Revises: 0011
"""

import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _key(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:100] or "kommune"


def upgrade() -> None:
    op.create_table(
        "municipality",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("share_inquiries", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("name"),
    )
    # No foreign key: SQLite could then drop the column again only by copying the table, which the
    # rows pointing at organisations forbid; app.organisations.structure alone writes it.
    op.add_column("organisation", sa.Column("municipality_id", ID, nullable=True))
    op.create_index("ix_organisation_municipality_id", "organisation", ["municipality_id"])
    op.create_table(
        "unit",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["lead_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_unit_organisation_id", "unit", ["organisation_id"])
    op.create_table(
        "membership",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("unit_id", ID, nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "unit_id", "role", name="uq_membership"),
    )
    op.create_index("ix_membership_user_id", "membership", ["user_id"])
    op.create_index("ix_membership_unit_id", "membership", ["unit_id"])

    conn = op.get_bind()
    organisations = conn.execute(sa.text("SELECT id, key, municipality, name, unit FROM organisation ORDER BY id")).all()
    municipality_ids: dict[str, int] = {}
    for org_id, key, municipality, name, unit in organisations:
        if municipality not in municipality_ids:
            conn.execute(sa.text("INSERT INTO municipality (key, name, share_inquiries, created_at) "
                                 "VALUES (:key, :name, false, CURRENT_TIMESTAMP)"),
                         {"key": _key(municipality), "name": municipality})
            municipality_ids[municipality] = conn.execute(sa.text("SELECT id FROM municipality WHERE name = :name"),
                                                          {"name": municipality}).scalar_one()
        conn.execute(sa.text("UPDATE organisation SET municipality_id = :m WHERE id = :id"),
                     {"m": municipality_ids[municipality], "id": org_id})
        conn.execute(sa.text("INSERT INTO unit (key, organisation_id, name, created_at) "
                             "VALUES (:key, :org, :name, CURRENT_TIMESTAMP)"), {"key": key, "org": org_id, "name": unit or name})
    units = dict(conn.execute(sa.text("SELECT organisation_id, id FROM unit")).all())
    for user_id, role, org_id in conn.execute(sa.text('SELECT id, role, organisation_id FROM "user" ORDER BY id')).all():
        for unit_id in ([units[org_id]] if org_id in units else list(units.values())):
            conn.execute(sa.text("INSERT INTO membership (user_id, unit_id, role, created_at) "
                                 "VALUES (:u, :unit, :role, CURRENT_TIMESTAMP)"), {"u": user_id, "unit": unit_id, "role": role})


def downgrade() -> None:
    op.drop_index("ix_membership_unit_id", "membership")
    op.drop_index("ix_membership_user_id", "membership")
    op.drop_table("membership")
    op.drop_index("ix_unit_organisation_id", "unit")
    op.drop_table("unit")
    op.drop_index("ix_organisation_municipality_id", "organisation")
    op.drop_column("organisation", "municipality_id")
    op.drop_table("municipality")
