"""contributions (bidrag) asked of other units, their history and attachments; a letter block's provenance

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("inquiry_id", _ID, sa.ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_id", _ID, sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("person_id", _ID, sa.ForeignKey("user.id"), nullable=True),
        sa.Column("question_ids", _JSON, nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("answered_by", sa.String(length=300), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True, unique=True),
        sa.Column("link_expires", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("inquiry_id", "unit_id", "person_id", "status"):
        op.create_index(f"ix_contribution_{column}", "contribution", [column])
    op.create_table(
        "contribution_message",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("contribution_id", _ID, sa.ForeignKey("contribution.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contribution_message_contribution_id", "contribution_message", ["contribution_id"])
    op.create_table(
        "contribution_file",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("contribution_id", _ID, sa.ForeignKey("contribution.id", ondelete="CASCADE"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contribution_file_contribution_id", "contribution_file", ["contribution_id"])
    op.add_column("letter_block", sa.Column("contribution_id", _ID, nullable=True))


def downgrade() -> None:
    op.drop_column("letter_block", "contribution_id")
    op.drop_index("ix_contribution_file_contribution_id", table_name="contribution_file")
    op.drop_table("contribution_file")
    op.drop_index("ix_contribution_message_contribution_id", table_name="contribution_message")
    op.drop_table("contribution_message")
    for column in ("inquiry_id", "unit_id", "person_id", "status"):
        op.drop_index(f"ix_contribution_{column}", table_name="contribution")
    op.drop_table("contribution")
