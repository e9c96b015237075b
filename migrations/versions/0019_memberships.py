"""memberships: one account (email, password) per person, one user row per membership

Revision ID: 0019_memberships
Revises: 0014_organisation_region

Each existing user becomes one membership (its collectivité, service and roles
unchanged) of a new account holding its email and password.
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_memberships"
down_revision = "0018_fixes"
branch_labels = None
depends_on = None


def _sqlite_foreign_keys(on: bool) -> None:
    """Rebuilding "user" on SQLite drops the old table, and with foreign keys on
    that DROP deletes (cascades) every row pointing at a user. The pragma is only
    honoured outside a transaction: end the current one, switch, open a new one
    (the migration runner still believes its transaction is open, and it is)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    raw = bind.connection.dbapi_connection
    raw.execute("COMMIT")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by 0019_memberships: {broken[:5]}")
    raw.execute("BEGIN IMMEDIATE")


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("email", name=op.f("uq_account_email")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=False,
                                      server_default="active"))
    # One account per existing user, same id (ids are free in the new table).
    op.execute(
        'INSERT INTO account (id, email, password_hash, erased_at, created_at, updated_at) '
        'SELECT id, email, password_hash, erased_at, created_at, updated_at FROM "user"'
    )
    op.execute('UPDATE "user" SET account_id = id')
    op.execute('UPDATE "user" SET status = \'invited\' '
               'WHERE password_hash IS NULL AND erased_at IS NULL')
    op.execute("UPDATE \"user\" SET status = 'left' WHERE erased_at IS NOT NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('account', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM account), 0) + 1, false)")
    _sqlite_foreign_keys(False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_email", type_="unique")
        batch_op.drop_column("password_hash")
        batch_op.alter_column("status", server_default=None)
        batch_op.create_index(batch_op.f("ix_user_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_user_account_id_account"), "account",
                                    ["account_id"], ["id"], ondelete="SET NULL")
    _sqlite_foreign_keys(True)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    op.execute('UPDATE "user" SET password_hash = (SELECT a.password_hash FROM account a '
               'WHERE a.id = "user".account_id)')
    _sqlite_foreign_keys(False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_account_id_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_account_id"))
        batch_op.drop_index(batch_op.f("ix_user_email"))
        batch_op.drop_column("status")
        batch_op.drop_column("account_id")
        batch_op.create_unique_constraint("uq_user_email", ["email"])
    _sqlite_foreign_keys(True)
    op.drop_table("account")
