"""dashboard: index of the planned actions by collectivité, status and date; of the
active members by service

Revision ID: 0026_dashboard
Revises: 0025_meters
Create Date: 2026-11-29 14:30:00

The elected officials' dashboard lists the late and the upcoming planned actions of
a collectivité (first ten of each, with their counts). With only the index on
planned_on, PostgreSQL walked every collectivité's actions before the date and
filtered them (13,000 rows read for 84 kept at full scale, 25 ms); this index reads
just the range, in the order shown (2 ms).

The projects' readiness counts the active agents of each service of the listed
projects: the partial index answers from itself (index-only scan) instead of
fetching 3,400 member rows to check `active` and `erased_at` (2.7 ms → 1.5 ms).
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_dashboard'
down_revision = '0025_meters'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_action', schema=None) as batch_op:
        batch_op.create_index('ix_project_action_dashboard',
                              ['organisation_id', 'status', 'planned_on', 'id'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(
            'ix_user_service_active', ['service_id', 'organisation_id'], unique=False,
            postgresql_where=sa.text('active IS TRUE AND erased_at IS NULL'),
            sqlite_where=sa.text('active = 1 AND erased_at IS NULL'))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_service_active')
    with op.batch_alter_table('project_action', schema=None) as batch_op:
        batch_op.drop_index('ix_project_action_dashboard')
