"""the operator who runs Besvar and creates municipalities, and a municipality's own synonym groups

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user", sa.Column("operator", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("synonym_group", sa.Column("municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                             nullable=True))
    op.create_index("ix_synonym_group_municipality_id", "synonym_group", ["municipality_id"])


def downgrade() -> None:
    # Dropped in place, as 0019 learned: a batch copy of a table trips the triggers that guard the tables beside it.
    op.drop_index("ix_synonym_group_municipality_id", table_name="synonym_group")
    op.drop_column("synonym_group", "municipality_id")
    op.drop_column("user", "operator")
