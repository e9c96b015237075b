"""organisation region (optional; groups collectivités for the observatory and sharing)

Revision ID: 0014_organisation_region
Revises: 0009_module_edit_version
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_organisation_region"
down_revision = "0009_module_edit_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=3), nullable=True))


def downgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("region")
