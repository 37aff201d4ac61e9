"""pinned figures: the statistic series a submitted letter shows, fixed at submit

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.add_column(sa.Column("pinned_series", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.drop_column("pinned_series")
