"""jobs: sent_mail (one row per e-mail delivered, checked before sending again) and
form_submission (idempotency tokens of the main forms)

Revision ID: 0015_jobs
Revises: 0019_memberships
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_jobs"
down_revision = "0019_memberships"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sent_mail",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sent_mail")),
    )
    op.create_index(op.f("ix_sent_mail_sent_at"), "sent_mail", ["sent_at"], unique=False)
    op.create_table(
        "form_submission",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("redirect_to", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submission")),
    )
    op.create_index(op.f("ix_form_submission_created_at"), "form_submission", ["created_at"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_form_submission_created_at"), table_name="form_submission")
    op.drop_table("form_submission")
    op.drop_index(op.f("ix_sent_mail_sent_at"), table_name="sent_mail")
    op.drop_table("sent_mail")
