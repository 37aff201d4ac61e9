"""statistic sharing, as paragraphs have it; the address Besvar mails a user at

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("statistic", sa.Column("shared_with", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                         nullable=False, server_default="[]"))
    op.add_column("user", sa.Column("email", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("user", "email")
    op.drop_column("statistic", "shared_with")
