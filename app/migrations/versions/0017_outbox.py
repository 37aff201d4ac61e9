"""the outbox (every mail Besvar sends, written with the event that causes it and sent once by a worker) how often a late contribution is chased, mail preferences, and Indgående (received e-mail)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("user", sa.Column("mail_off", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False,
                                    server_default=sa.text("'[]'")))
    op.add_column("user", sa.Column("mail_digest_only", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("organisation", sa.Column("chaser_working_days", sa.Integer(), nullable=False, server_default="2"))
    op.create_table(
        "outbox_message",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("key", sa.String(length=300), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("organisation_id", _ID, nullable=True),
        sa.Column("to_address", sa.String(length=300), nullable=False),
        sa.Column("to_name", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("html", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("kind", "organisation_id", "status", "next_attempt_at"):
        op.create_index(f"ix_outbox_message_{column}", "outbox_message", [column])
    op.create_table(
        "incoming_item",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("organisation_id", _ID, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True, unique=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("sender_name", sa.String(length=300), nullable=True),
        sa.Column("sender_email", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("questions", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("inquiry_id", _ID, sa.ForeignKey("inquiry.id"), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incoming_item_organisation_id", "incoming_item", ["organisation_id"])
    op.create_index("ix_incoming_item_status", "incoming_item", ["status"])


def downgrade() -> None:
    op.drop_index("ix_incoming_item_status", table_name="incoming_item")
    op.drop_index("ix_incoming_item_organisation_id", table_name="incoming_item")
    op.drop_table("incoming_item")
    for column in ("kind", "organisation_id", "status", "next_attempt_at"):
        op.drop_index(f"ix_outbox_message_{column}", table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_column("organisation", "chaser_working_days")
    op.drop_column("user", "mail_digest_only")
    op.drop_column("user", "mail_off")
