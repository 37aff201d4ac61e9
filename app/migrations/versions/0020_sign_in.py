"""sign-in with the municipality's identity provider: its settings, a user's subject there, and sign-in attempts

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("municipality", sa.Column("sign_in", JSON, nullable=True))
    op.add_column("user", sa.Column("subject", sa.String(length=600), nullable=True))
    op.create_index("ix_user_subject", "user", ["subject"], unique=True)
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("municipality.id"), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("next", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_in_attempt")
    op.drop_index("ix_user_subject", table_name="user")
    op.drop_column("user", "subject")
    op.drop_column("municipality", "sign_in")
