"""deferred jobs: jobs kept in the database while Redis is unreachable

Revision ID: 0006_deferred_jobs
Revises: 0002_projects_base
Create Date: 2026-11-26 01:44:18.010515

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_deferred_jobs'
down_revision = '0002_projects_base'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deferred_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=120), nullable=False),
    sa.Column('func_path', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deferred_job')),
    sa.UniqueConstraint('job_id', name=op.f('uq_deferred_job_job_id'))
    )


def downgrade():
    op.drop_table('deferred_job')
