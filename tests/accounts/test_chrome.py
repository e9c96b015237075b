"""What every page pays before its own work (issue 15): the login session, its
membership, roles, collectivité and service in one statement; the session touched at
most once a minute; no ping of the pool, a connection found dead retried once."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import create_engine, event, select, text

from change_portal.accounts import services
from change_portal.accounts.models import LoginSession
from change_portal.config import _engine_options
from change_portal.extensions import RetryingSession, db
from tests import factories

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")


@contextmanager
def statements():
    seen: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def _token(user) -> str:
    ls = services.open_login_session(user, ip="127.0.0.1", user_agent="pytest")
    db.session.flush()
    return ls.plain_token


def test_session_user_roles_and_collectivite_in_one_statement(app, org):
    user = factories.create_user(org, ["agent", "elected", "admin"])
    token = _token(user)
    db.session.expunge_all()  # nothing in the identity map: everything from the database
    with statements() as seen:
        loaded = services.load_login_session(token, idle_minutes=30)
        assert loaded.role_names == {"agent", "elected", "admin"}
        assert loaded.organisation.name == org.name
        assert loaded.service is None
    assert len(seen) == 1, seen


def test_membership_without_roles_nor_collectivite_still_loads(app):
    operator = factories.create_user(None, ["operator"])
    token = _token(operator)
    db.session.expunge_all()
    with statements() as seen:
        loaded = services.load_login_session(token, idle_minutes=30)
        assert loaded.organisation is None and loaded.role_names == {"operator"}
    assert len(seen) == 1


def test_the_session_is_touched_at_most_once_a_minute(app, org, monkeypatch):
    user = factories.create_user(org, ["agent"])
    token = _token(user)
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    start = row.last_seen_at
    now = start
    monkeypatch.setattr(services, "utcnow", lambda: now)

    def writes_of_one_load() -> list[str]:
        db.session.expunge_all()
        with statements() as seen:
            assert services.load_login_session(token, idle_minutes=30) is not None
        return [s for s in seen if s.lstrip().upper().startswith("UPDATE")]

    now = start + timedelta(seconds=59)
    assert writes_of_one_load() == []
    now = start + timedelta(seconds=61)
    assert len(writes_of_one_load()) == 1
    now = start + timedelta(seconds=100)  # 39 s after the touch
    assert writes_of_one_load() == []
    db.session.expunge_all()
    assert db.session.get(LoginSession, row.id).last_seen_at == start + timedelta(seconds=61)


def test_the_touch_does_not_load_the_user_again(app, org, monkeypatch):
    user = factories.create_user(org, ["agent"])
    token = _token(user)
    later = services.utcnow() + timedelta(minutes=2)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    db.session.expunge_all()
    with statements() as seen:
        loaded = services.load_login_session(token, idle_minutes=30)
        assert loaded.role_names == {"agent"} and loaded.organisation.name == org.name
    assert [s.split()[0].upper() for s in seen] == ["SELECT", "UPDATE"], seen


def test_postgresql_does_not_ping_each_checkout():
    options = _engine_options("postgresql+psycopg://u@h/db")
    assert options["pool_pre_ping"] is False and options["pool_recycle"] > 0
    assert _engine_options("sqlite:////tmp/x.sqlite3") == {}


def test_a_connection_found_dead_is_retried_once_on_a_fresh_one(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'retry.sqlite3'}")
    session = RetryingSession(db, bind=engine)
    try:
        assert session.scalar(text("SELECT 1")) == 1
        session.commit()  # the connection goes back to the pool

        # It dies while idle (a database restart, a dropped TCP connection).
        @event.listens_for(engine, "checkout", once=True)
        def _kill(dbapi_connection, record, proxy):
            dbapi_connection.close()

        assert session.scalar(text("SELECT 2")) == 2  # no error: retried on a new one
    finally:
        session.close()
        engine.dispose()


def test_no_retry_inside_a_transaction_that_already_ran(tmp_path):
    import pytest
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(f"sqlite:///{tmp_path / 'noretry.sqlite3'}")
    session = RetryingSession(db, bind=engine)
    try:
        assert session.scalar(text("SELECT 1")) == 1  # a transaction is open now
        session.connection().connection.dbapi_connection.close()
        with pytest.raises(DBAPIError):
            session.scalar(text("SELECT 2"))  # its earlier work may be lost: not hidden
    finally:
        session.close()
        engine.dispose()
