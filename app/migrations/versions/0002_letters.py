"""letters

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('inquiry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('recipient_title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('recipient_email', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('copy_to', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('salutation', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('intro', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('signatory_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('initials', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiry.id'], ),
    sa.ForeignKeyConstraint(['signatory_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_inquiry_id'), ['inquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_status'), ['status'], unique=False)

    op.create_table('letter_block',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('letter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('question_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('paragraph_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('paragraph_version', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paragraph_id'], ['paragraph.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('letter_id', 'question_id', 'position')
    )
    with op.batch_alter_table('letter_block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_block_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_block_question_id'), ['question_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('letter_block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_block_question_id'))
        batch_op.drop_index(batch_op.f('ix_letter_block_letter_id'))

    op.drop_table('letter_block')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_status'))
        batch_op.drop_index(batch_op.f('ix_letter_inquiry_id'))

    op.drop_table('letter')
