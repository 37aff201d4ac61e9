"""pinned figures: the statistic series a submitted letter shows, fixed at submit; one correction per letter

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
    op.create_index("ix_letter_supersedes_id", "letter", ["supersedes_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_letter_supersedes_id", table_name="letter")
    with op.batch_alter_table("letter") as batch:
        batch.drop_column("pinned_series")
