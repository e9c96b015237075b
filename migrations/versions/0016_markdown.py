"""markdown: re-render stored HTML with markdown-it-py (linear-time parser)

The Markdown engine changed from Python-Markdown to markdown-it-py (issue 11.1:
crafted input made the former engine super-linear). Every stored ``*_html`` of a
Markdown field is re-rendered so that existing content shows what a new save
would give. No schema change; downgrade keeps the HTML (it is valid either way).

Revision ID: 0016_markdown
Revises: 0019_memberships
"""
from alembic import op

revision = "0016_markdown"
down_revision = "0015_jobs"
branch_labels = None
depends_on = None


def upgrade():
    from change_portal.rerender import rerender_all

    rerender_all(op.get_bind())


def downgrade():
    pass
