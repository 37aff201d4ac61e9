"""returned text: a returned letter's answers as the approver read them, to show what changed when it comes back

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("letter", sa.Column("returned_text", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                      nullable=True))


def downgrade() -> None:
    op.drop_column("letter", "returned_text")
