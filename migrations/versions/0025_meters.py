"""meters: positions by stance stored on each proposal, endorsements on each need

Revision ID: 0025_meters
Revises: 0024_search_index
Create Date: 2026-11-29 13:10:00

The consensus meters (dashboard, project pages) and the needs board sorted by count
read these counters instead of recounting the positions' history or aggregating
every endorsement; the services keep them up to date in the same transaction.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_meters'
down_revision = '0024_search_index'
branch_labels = None
depends_on = None

STANCES = ("accord", "reserves", "desaccord", "blocage")


def upgrade():
    with op.batch_alter_table('project_proposal', schema=None) as batch_op:
        for stance in STANCES:
            batch_op.add_column(sa.Column(f'positions_{stance}', sa.Integer(), nullable=False,
                                          server_default='0'))
    with op.batch_alter_table('forum_need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endorsement_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index('ix_forum_need_board',
                              ['organisation_id', 'endorsement_count', 'impact_rank'],
                              unique=False)
    # Filled from the existing rows (the current positions, not their history).
    proposal = sa.table('project_proposal', sa.column('id'),
                        *(sa.column(f'positions_{s}') for s in STANCES))
    position = sa.table('project_position', sa.column('proposal_id'), sa.column('stance'))
    for stance in STANCES:
        op.execute(proposal.update().values({f'positions_{stance}': (
            sa.select(sa.func.count()).select_from(position)
            .where(position.c.proposal_id == proposal.c.id, position.c.stance == stance)
            .scalar_subquery())}))
    op.execute(
        "UPDATE forum_need SET endorsement_count = (SELECT count(*) FROM "
        "forum_need_endorsement WHERE forum_need_endorsement.need_id = forum_need.id)")


def downgrade():
    with op.batch_alter_table('forum_need', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_need_board')
        batch_op.drop_column('endorsement_count')
    with op.batch_alter_table('project_proposal', schema=None) as batch_op:
        for stance in STANCES:
            batch_op.drop_column(f'positions_{stance}')
