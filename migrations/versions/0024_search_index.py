"""forum search: visibility filter in the index, composite GIN, reindex checkpoints

`forum_search` gets `category_id` and `visible` (copied from the topic and the post,
kept in step by forums/search.py) so that a search filters on the index alone. On
PostgreSQL the tsvector GIN index becomes a composite one on (organisation_id, tsv)
(`btree_gin`, a trusted extension since PostgreSQL 13), so the collectivité is
filtered inside the index, and an index on (organisation_id + 0, id + 0) walks a
collectivité's newest entries. `forum_search_reindex` records how far a full reindex
went, so that a rerun resumes it.

Revision ID: 0024_search_index
Revises: 0023_chrome
Create Date: 2026-11-29 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_search_index'
down_revision = '0023_chrome'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_search_reindex',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('last_post_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_forum_search_reindex_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_search_reindex'))
    )
    with op.batch_alter_table('forum_search', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('visible', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    if op.get_bind().dialect.name == 'postgresql':
        # Before the UPDATE below: an index built over the rows it leaves behind
        # (dead HOT versions) would be unusable until every older transaction of
        # the server ended (pg_index.indcheckxmin).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute("CREATE INDEX ix_forum_search_org_tsv ON forum_search "
                   "USING gin (organisation_id, tsv)")
        op.execute("DROP INDEX IF EXISTS ix_forum_search_tsv")
        # The collectivité's newest entries first, for very common words (see
        # forums.search.search); on `organisation_id + 0, id + 0` so that the planner
        # uses it only for that query. It replaces the plain organisation_id index, which
        # the planner preferred to the GIN index, then tested every entry of the
        # collectivité (the GIN index serves the lookups by collectivité).
        op.execute("CREATE INDEX ix_forum_search_org_newest ON forum_search "
                   "((organisation_id + 0), (id + 0))")
        op.execute("DROP INDEX IF EXISTS ix_forum_search_organisation_id")
    op.execute(
        "UPDATE forum_search SET "
        "category_id = (SELECT t.category_id FROM forum_topic t WHERE t.id = forum_search.topic_id), "
        "visible = (SELECT p.deleted_at IS NULL AND p.hidden_at IS NULL FROM forum_post p "
        "WHERE p.id = forum_search.post_id)")
    with op.batch_alter_table('forum_search', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('visible', existing_type=sa.Boolean(), server_default=None)
    if op.get_bind().dialect.name == 'postgresql':
        # Statistics of the new expression index, which the search plans rely on.
        op.execute("ANALYZE forum_search")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX IF NOT EXISTS ix_forum_search_tsv ON forum_search USING gin (tsv)")
        op.execute("DROP INDEX IF EXISTS ix_forum_search_org_tsv")
        op.execute("CREATE INDEX IF NOT EXISTS ix_forum_search_organisation_id "
                   "ON forum_search (organisation_id)")
        op.execute("DROP INDEX IF EXISTS ix_forum_search_org_newest")
    with op.batch_alter_table('forum_search', schema=None) as batch_op:
        batch_op.drop_column('visible')
        batch_op.drop_column('category_id')
    op.drop_table('forum_search_reindex')
