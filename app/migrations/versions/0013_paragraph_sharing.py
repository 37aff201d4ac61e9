"""paragraph sharing: a paragraph is its organisation's own unless shared with the municipality or named others

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("paragraph", sa.Column("shared_with", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                         nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("paragraph", "shared_with")
