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
    # Plain ALTER TABLE, never batch mode: copying the letter table would trip its foreign keys and triggers.
    op.add_column("letter", sa.Column("pinned_series", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                      nullable=True))
    op.create_index("ix_letter_supersedes_id", "letter", ["supersedes_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_letter_supersedes_id", table_name="letter")
    op.drop_column("letter", "pinned_series")
