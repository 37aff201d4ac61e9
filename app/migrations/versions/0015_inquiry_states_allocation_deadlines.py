"""inquiry states and allocation to a unit; the history of deadline extensions; the interim reply's promised date

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("inquiry", sa.Column("state", sa.String(length=30), nullable=False, server_default="ny"))
    op.add_column("inquiry", sa.Column("unit_id", _ID, nullable=True))
    op.create_index("ix_inquiry_state", "inquiry", ["state"])
    op.create_index("ix_inquiry_unit_id", "inquiry", ["unit_id"])
    # The state each stored inquiry is in, from its status and its letters.
    op.execute("""
        UPDATE inquiry SET state = CASE
          WHEN status = 'answered' THEN 'besvaret'
          WHEN status = 'closed' THEN 'afvist'
          WHEN status = 'drafting' AND EXISTS (SELECT 1 FROM letter WHERE letter.inquiry_id = inquiry.id
                                               AND letter.status = 'submitted') THEN 'til_godkendelse'
          WHEN status = 'drafting' THEN 'under_udarbejdelse'
          WHEN drafter_id IS NOT NULL THEN 'fordelt'
          ELSE 'ny' END
    """)
    op.add_column("letter", sa.Column("expected_answer_on", sa.Date(), nullable=True))
    op.create_table(
        "deadline_change",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("inquiry_id", _ID, sa.ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deadline_change_inquiry_id", "deadline_change", ["inquiry_id"])


def downgrade() -> None:
    op.drop_index("ix_deadline_change_inquiry_id", table_name="deadline_change")
    op.drop_table("deadline_change")
    op.drop_column("letter", "expected_answer_on")
    op.drop_index("ix_inquiry_unit_id", table_name="inquiry")
    op.drop_index("ix_inquiry_state", table_name="inquiry")
    op.drop_column("inquiry", "unit_id")
    op.drop_column("inquiry", "state")
