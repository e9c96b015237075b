"""The embedded mode's transactions (change_portal/extensions.py): reads never take
SQLite's write lock; a transaction that read, then writes after another one
committed, still writes (no "database is locked")."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import change_portal.extensions  # noqa: F401 - the engine events under test


def _timeout(conn, ms: int) -> None:
    conn.exec_driver_sql(f"PRAGMA busy_timeout={ms}")
    conn.commit()


@pytest.fixture
def engine():
    path = Path(tempfile.mkdtemp(prefix="cp-sqlite-tx-")) / "t.sqlite3"
    eng = create_engine(f"sqlite:///{path}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1, 0)"))
    yield eng
    eng.dispose()


def test_a_reading_transaction_does_not_block_a_writer(engine):
    with engine.connect() as reader, engine.connect() as writer:
        _timeout(reader, 300)
        _timeout(writer, 300)
        reader.begin()
        assert reader.execute(text("SELECT n FROM t")).scalar_one() == 0
        start = time.monotonic()
        with writer.begin():
            writer.execute(text("UPDATE t SET n = n + 1"))
        assert time.monotonic() - start < 0.3  # did not wait for the reader's lock
        reader.rollback()


def test_read_then_write_after_another_commit_writes(engine):
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        assert first.execute(text("SELECT n FROM t")).scalar_one() == 0
        with second.begin():
            second.execute(text("UPDATE t SET n = n + 1"))
        # The snapshot of `first` is stale: a plain deferred transaction would fail
        # here with "database is locked" (SQLITE_BUSY_SNAPSHOT).
        first.execute(text("UPDATE t SET n = n + 10"))
        first.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalar_one() == 11


def test_a_write_waits_for_the_writer_before_it(engine):
    with engine.connect() as first, engine.connect() as second:
        _timeout(second, 5000)
        first.begin()
        first.execute(text("UPDATE t SET n = 5"))
        second.begin()
        assert second.execute(text("SELECT n FROM t")).scalar_one() == 0  # its snapshot
        threading.Timer(0.2, first.commit).start()
        second.execute(text("UPDATE t SET n = n + 1"))  # waits, then writes on 5
        second.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalar_one() == 6


def test_every_connection_runs_in_wal_with_normal_sync(engine):
    """WAL (readers beside a writer) with synchronous=NORMAL (a commit waits for no
    disk flush; SQLite's recommended pairing), on every new connection."""
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
