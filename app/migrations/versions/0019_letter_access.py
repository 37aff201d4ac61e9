"""a letter's access marking (åben, personoplysninger, fortrolig), the drafter's choice, frozen with the letter at approval

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the triggers that freeze an approved letter (0003) stay as they are.
    op.add_column("letter", sa.Column("access", sa.String(length=30), nullable=True))


def downgrade() -> None:
    # In place too (SQLite 3.35+ drops a column itself): a batch copy of letter would trip the triggers on
    # letter_block that name it.
    op.drop_column("letter", "access")
