"""need history without project titles (issue 11, item 9)

Linking a need to a project wrote "Rattaché au projet « titre »" in the need's
status history, which every member who reads the need sees, including agents who
may not read that project. New links write "Rattaché à un projet"; this rewrites
the rows written before (French and English wording). Data only: no schema change.

Revision ID: 0018_fixes
Revises: 0014_organisation_region
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_fixes"
down_revision = "0014_organisation_region"
branch_labels = None
depends_on = None

_REWRITES = (
    ("Rattaché au projet «%", "Rattaché à un projet"),
    ("Linked to the project “%", "Linked to a project"),
)


def upgrade():
    history = sa.table("forum_need_status_change", sa.column("reason", sa.String))
    for pattern, generic in _REWRITES:
        op.execute(history.update().where(history.c.reason.like(pattern))
                   .values(reason=generic))


def downgrade():
    pass  # the titles are not kept: nothing to restore
