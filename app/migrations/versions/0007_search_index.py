"""search index: documents, terms and statistics, with FTS5 on SQLite and a GIN tsvector index on PostgreSQL

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

# The text index itself is each database's own; the rows it indexes are the same on both.
INDEX = {
    "sqlite": [
        "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_doc', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 0')",
        "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN"
        " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
        "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN"
        " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
        "CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN"
        " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);"
        " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    ],
    # Our terms are already analysed: array_to_tsvector takes them as lexemes, untouched by any parser.
    "postgresql": [
        "CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (array_to_tsvector(string_to_array(terms, ' ')))",
    ],
}
UNDO = {
    "sqlite": ["DROP TRIGGER search_doc_au", "DROP TRIGGER search_doc_ad", "DROP TRIGGER search_doc_ai", "DROP TABLE search_fts"],
    "postgresql": ["DROP INDEX ix_search_doc_tsv"],
}


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_doc',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('ref_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('terms', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'ref_id')
    )
    op.create_table('search_stat',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('docs', sa.Integer(), nullable=False),
    sa.Column('total_length', sa.Integer(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('kind')
    )
    op.create_table('search_term',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('term', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'term')
    )
    for statement in INDEX[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in UNDO[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table('search_term')
    op.drop_table('search_stat')
    op.drop_table('search_doc')
