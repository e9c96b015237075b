"""dashboard: index of the planned actions by collectivité, status and date

Revision ID: 0026_dashboard
Revises: 0025_meters
Create Date: 2026-11-29 14:30:00

The elected officials' dashboard lists the late and the upcoming planned actions of
a collectivité (first ten of each, with their counts). With only the index on
planned_on, PostgreSQL walked every collectivité's actions before the date and
filtered them (13,000 rows read for 84 kept at full scale, 25 ms); this index reads
just the range, in the order shown (2 ms).
"""
from alembic import op

revision = '0026_dashboard'
down_revision = '0025_meters'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_action', schema=None) as batch_op:
        batch_op.create_index('ix_project_action_dashboard',
                              ['organisation_id', 'status', 'planned_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('project_action', schema=None) as batch_op:
        batch_op.drop_index('ix_project_action_dashboard')
