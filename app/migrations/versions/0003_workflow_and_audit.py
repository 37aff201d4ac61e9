"""workflow and audit

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Guards in the database itself, so no code path (API, UI, bulk update, a console) can change an
# approved letter, its blocks or its frozen documents, or rewrite the audit trail.
_SQLITE_REFUSE = "BEGIN SELECT RAISE(ABORT, '{}'); END"
_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER letter_frozen_update BEFORE UPDATE ON letter WHEN OLD.status = 'approved' "
        + _SQLITE_REFUSE.format("approved letters cannot change"),
        "CREATE TRIGGER letter_frozen_delete BEFORE DELETE ON letter WHEN OLD.status = 'approved' "
        + _SQLITE_REFUSE.format("approved letters cannot change"),
        "CREATE TRIGGER letter_block_frozen_insert BEFORE INSERT ON letter_block "
        "WHEN (SELECT status FROM letter WHERE id = NEW.letter_id) = 'approved' "
        + _SQLITE_REFUSE.format("blocks of approved letters cannot change"),
        "CREATE TRIGGER letter_block_frozen_update BEFORE UPDATE ON letter_block "
        "WHEN (SELECT status FROM letter WHERE id = OLD.letter_id) = 'approved' "
        "OR (SELECT status FROM letter WHERE id = NEW.letter_id) = 'approved' "
        + _SQLITE_REFUSE.format("blocks of approved letters cannot change"),
        "CREATE TRIGGER letter_block_frozen_delete BEFORE DELETE ON letter_block "
        "WHEN (SELECT status FROM letter WHERE id = OLD.letter_id) = 'approved' "
        + _SQLITE_REFUSE.format("blocks of approved letters cannot change"),
        "CREATE TRIGGER letter_document_update BEFORE UPDATE ON letter_document "
        + _SQLITE_REFUSE.format("frozen documents cannot change"),
        "CREATE TRIGGER letter_document_delete BEFORE DELETE ON letter_document "
        + _SQLITE_REFUSE.format("frozen documents cannot change"),
        "CREATE TRIGGER audit_entry_update BEFORE UPDATE ON audit_entry "
        + _SQLITE_REFUSE.format("the audit trail is append-only"),
        "CREATE TRIGGER audit_entry_delete BEFORE DELETE ON audit_entry "
        + _SQLITE_REFUSE.format("the audit trail is append-only"),
    ],
    "postgresql": [
        """CREATE FUNCTION besvar_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = '23000'; END $$""",
        """CREATE FUNCTION besvar_block_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM letter WHERE id = OLD.letter_id AND status = 'approved'))
             OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM letter WHERE id = NEW.letter_id AND status = 'approved')) THEN
            RAISE EXCEPTION 'blocks of approved letters cannot change' USING ERRCODE = '23000';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$""",
        "CREATE TRIGGER letter_frozen BEFORE UPDATE OR DELETE ON letter FOR EACH ROW "
        "WHEN (OLD.status = 'approved') EXECUTE FUNCTION besvar_refuse('approved letters cannot change')",
        "CREATE TRIGGER letter_block_frozen BEFORE INSERT OR UPDATE OR DELETE ON letter_block FOR EACH ROW "
        "EXECUTE FUNCTION besvar_block_frozen()",
        "CREATE TRIGGER letter_document_frozen BEFORE UPDATE OR DELETE ON letter_document FOR EACH ROW "
        "EXECUTE FUNCTION besvar_refuse('frozen documents cannot change')",
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry FOR EACH ROW "
        "EXECUTE FUNCTION besvar_refuse('the audit trail is append-only')",
    ],
}
_DROP_TRIGGERS = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in ("letter_frozen_update", "letter_frozen_delete", "letter_block_frozen_insert",
                     "letter_block_frozen_update", "letter_block_frozen_delete", "letter_document_update",
                     "letter_document_delete", "audit_entry_update", "audit_entry_delete")
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS letter_frozen ON letter",
        "DROP TRIGGER IF EXISTS letter_block_frozen ON letter_block",
        "DROP TRIGGER IF EXISTS letter_document_frozen ON letter_document",
        "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
        "DROP FUNCTION IF EXISTS besvar_block_frozen()",
        "DROP FUNCTION IF EXISTS besvar_refuse()",
    ],
}


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('inquiry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('letter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_inquiry_id'), ['inquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_letter_id'), ['letter_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('letter_document',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('letter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('letter_id', 'format')
    )
    with op.batch_alter_table('letter_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_document_letter_id'), ['letter_id'], unique=False)

    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('supersedes_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('personal_data_flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('frozen_statistics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='[]'))
        batch_op.create_foreign_key('fk_letter_created_by_id', 'user', ['created_by_id'], ['id'])
        batch_op.create_foreign_key('fk_letter_approved_by_id', 'user', ['approved_by_id'], ['id'])
        batch_op.create_foreign_key('fk_letter_submitted_by_id', 'user', ['submitted_by_id'], ['id'])
        batch_op.create_foreign_key('fk_letter_supersedes_id', 'letter', ['supersedes_id'], ['id'])

    op.execute("INSERT INTO audit_head (id, count, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    for statement in _TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)



def downgrade() -> None:
    for statement in _DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table('letter', schema=None) as batch_op:
        for col in ('created_by_id', 'approved_by_id', 'submitted_by_id', 'supersedes_id'):
            batch_op.drop_constraint(f'fk_letter_{col}', type_='foreignkey')
        batch_op.drop_column('frozen_statistics')
        batch_op.drop_column('personal_data_flags')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('return_comment')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('created_by_id')

    with op.batch_alter_table('letter_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_document_letter_id'))

    op.drop_table('letter_document')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_letter_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_inquiry_id'))

    op.drop_table('audit_entry')
