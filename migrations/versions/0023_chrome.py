"""chrome: the unread-notification counter on the membership (issue 15)

Revision ID: 0023_chrome
Revises: 0021_sharing
Create Date: 2026-11-29 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_chrome'
down_revision = '0021_sharing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), nullable=False,
                                      server_default='0'))
    # The counters start from the notifications already there (one statement).
    op.execute(
        'UPDATE "user" SET unread_notifications = ('
        'SELECT count(*) FROM forum_notification n '
        'WHERE n.user_id = "user".id AND n.read_at IS NULL)'
    )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')
