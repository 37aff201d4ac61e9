"""a Message-ID is once per organisation, not once in all Besvar: a council member may write to two municipalities' mailboxes in one mail

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# SQLite keeps the column's UNIQUE unnamed; the batch copy names it by this convention so that it can be dropped.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_name() -> str:
    return "incoming_item_message_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_incoming_item_message_id"


def upgrade() -> None:
    with op.batch_alter_table("incoming_item", naming_convention=_SQLITE_NAMES) as batch:
        batch.drop_constraint(_old_name(), type_="unique")
        batch.create_unique_constraint("uq_incoming_item_organisation_message", ["organisation_id", "message_id"])


def downgrade() -> None:
    with op.batch_alter_table("incoming_item", naming_convention=_SQLITE_NAMES) as batch:
        batch.drop_constraint("uq_incoming_item_organisation_message", type_="unique")
        batch.create_unique_constraint(_old_name(), ["message_id"])
