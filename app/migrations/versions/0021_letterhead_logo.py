"""a forvaltning's uploaded logo (PNG, and SVG for the PDF), checked before it is kept

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letterhead_logo",
        sa.Column("organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("organisation.id"),
                  primary_key=True),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("svg", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("letterhead_logo")
