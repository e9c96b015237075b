"""Flask extensions, created unbound and initialised by create_app."""

from __future__ import annotations

import re
import sqlite3

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic can alter them, SQLite batch mode included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RetryingSession(FlaskSession):
    """The pool does not ping a connection at each checkout (a round trip per request:
    no `pool_pre_ping`, `pool_recycle` instead). A connection that died while idle in
    the pool (database restarted, proxy dropped it) then fails at the first statement of
    a transaction: SQLAlchemy marks every pooled connection of that age invalid, and
    the statement is run once more, on a fresh connection. Only when nothing can be
    lost: no transaction was open and nothing waits to be flushed. A second failure
    (the database is really down) becomes the French 503 (core.security)."""

    def _execute_internal(self, *args, **kwargs):
        if self.in_transaction() or self.new or self.dirty or self.deleted:
            return super()._execute_internal(*args, **kwargs)
        try:
            return super()._execute_internal(*args, **kwargs)
        except DBAPIError as err:
            if not err.connection_invalidated:
                raise
            self.rollback()
            return super()._execute_internal(*args, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RetryingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Make SQLite behave: foreign keys on, WAL for concurrent readers, and real
    transactions (pysqlite's implicit BEGIN breaks SAVEPOINT, which tests rely on).

    synchronous=NORMAL: in WAL mode a commit then waits for no disk flush (the WAL is
    flushed at checkpoints). The database cannot be corrupted by a crash; a power cut
    may lose the last commits before a checkpoint. SQLite's documentation recommends
    it for WAL; it takes most of the cost of a small commit (a login makes three)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# --- SQLite transactions (embedded mode) --------------------------------------
# Reads never take the write lock: transactions begin DEFERRED and, in WAL mode,
# readers run beside a writer on their own snapshot. A transaction takes the write
# lock only at its first write, so it holds it from there to its commit (short: a
# view writes, commits, then renders or redirects).
#
# SQLite cannot wait for the write lock inside a transaction that has already
# read: the busy handler is skipped there (waiting could deadlock), and once
# another writer has committed, the old snapshot may not write at all
# (SQLITE_BUSY_SNAPSHOT). Both answer "database is locked" at once. So at the
# first write of a transaction that has only read, we end the read (COMMIT: it
# wrote nothing) and start BEGIN IMMEDIATE, which does wait (busy_timeout) and
# writes on a fresh snapshot. The reads made before it may then be slightly older
# than the write: the semantics of PostgreSQL's default READ COMMITTED, which the
# portal already runs under in production (unique constraints and conditional
# updates guard the races that matter, on both engines).
# Not done when a SAVEPOINT is open (the COMMIT would end it): the tests' own
# transactions only; there the write upgrades the transaction in place.
_WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
        conn.info["cp_txn"] = "read"


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint(conn, _name):
    if conn.dialect.name == "sqlite" and conn.info.get("cp_txn") == "read":
        conn.info["cp_txn"] = "savepoint"


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_first_write(conn, cursor, statement, _params, _context, _many):
    if conn.info.get("cp_txn") != "read" or conn.dialect.name != "sqlite":
        return
    if not _WRITE_RE.match(statement):
        return
    conn.info["cp_txn"] = "write"
    if not conn.in_transaction():
        return
    try:
        cursor.execute("COMMIT")
    except sqlite3.OperationalError:
        return  # a read still in progress: write in place, as a plain deferred transaction
    cursor.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    if not conn.invalidated:  # a connection found dead has no info left to clear
        conn.info.pop("cp_txn", None)
