"""token scope: API tokens get a name, an expiry date and a read-only flag

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("name", sa.String(length=100), nullable=False, server_default="API-token"))
    op.add_column("api_token", sa.Column("expires_on", sa.Date(), nullable=True))
    op.add_column("api_token", sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("api_token", "read_only")
    op.drop_column("api_token", "expires_on")
    op.drop_column("api_token", "name")
