"""one history: merge the domain branches

Revision ID: 0007_merge
Revises: 0003_courses, 0004_forums, 0005_projects_roadmap, 0006_deferred_jobs
Create Date: 2026-11-26 02:40:29.495987

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_merge'
down_revision = ('0003_courses', '0004_forums', '0005_projects_roadmap', '0006_deferred_jobs')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
