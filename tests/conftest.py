"""Fixtures: app, db (each test rolled back), client, login_as, factories.

The suite runs on SQLite by default, and on PostgreSQL when DATABASE_URL points at
one (CI's second pass). Jobs run inline here; tests marked `redis` use a real rq
worker on REDIS_URL.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from change_portal import create_app
from change_portal.core import cache as app_cache
from change_portal.extensions import db as _db
from tests import factories

_TMP = Path(tempfile.mkdtemp(prefix="change-portal-tests-"))


def _test_config() -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REDIS_URL": None,
        "OUTBOX_DIR": str(_TMP / "outbox"),
        "UPLOAD_DIR": str(_TMP / "uploads"),
        # Argon2id with tiny parameters: the same code path, cheap.
        "PASSWORD_ARGON2_TIME_COST": 1, "PASSWORD_ARGON2_MEMORY_KIB": 8,
        "PASSWORD_ARGON2_PARALLELISM": 1,
        "LOGIN_LIMIT_IP": "1000/60",
        "LOGIN_LIMIT_ACCOUNT": "1000/60",
        "LOGIN_LIMIT_ACCOUNT_IP": "1000/60",
        "LOGIN_LIMIT_DEVICE": "1000/60",
        "RESET_LIMIT_ACCOUNT": "1000/60",
        "SERVER_NAME": None,
    }


class _Client(FlaskClient):
    """Tests keep an app context pushed (for the rolled-back session), and Flask
    reuses it for requests: forget the user Flask-Login cached in `g` so each
    request loads its own, as in production. What the test set up is committed
    first (a savepoint release: the outer transaction is still rolled back), so
    that a rollback inside the request undoes only the request's own work."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            _db.session.commit()
        return super().open(*args, **kwargs)


def _compile_translations() -> None:
    """`make test` compiles the catalogues; do it here too for a bare `pytest`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "change_portal" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)


@pytest.fixture(scope="session")
def app():
    _compile_translations()
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"
    os.environ.setdefault("INSTANCE_PATH", str(_TMP / "instance"))
    redis_url = os.environ.pop("REDIS_URL", None)
    app = create_app(_test_config())
    app.test_client_class = _Client
    app.config["TEST_REDIS_URL"] = redis_url  # for the tests that need the real queue
    with app.app_context():
        _reset_schema()
        upgrade(directory=str(Path(app.root_path).parent / "migrations"), revision="head")
    if not url:
        del os.environ["DATABASE_URL"]
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    yield app


def _reset_schema() -> None:
    """Start every run from an empty schema (PostgreSQL keeps data between runs)."""
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        _db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def db(request, app):
    """Each test runs inside a transaction that is rolled back at the end; commits
    made by the code under test become savepoints."""
    # The rolled-back rows' ids are reused by the next test: nothing it cached (pages'
    # shared parts, core.cache) may serve that test.
    with app.app_context():
        app_cache.cache.clear()
    if request.node.get_closest_marker("e2e"):
        # The browser's server commits to its own database, in another thread:
        # the shared session must not be swapped for the rolled-back one.
        yield _db
        return
    if request.node.get_closest_marker("committed"):
        # Tests that cross processes (a real rq worker) need real commits.
        with app.app_context():
            yield _db
            _truncate_all()
        return
    if request.node.get_closest_marker("module_world"):
        # A world built once for the module: each test in a savepoint of its transaction.
        connection = request.getfixturevalue("module_connection")
        with app.app_context(), _bound_session(connection.begin_nested()):
            yield _db
        return
    with app.app_context():
        connection = _db.engine.connect()
        with _bound_session(connection.begin()):
            yield _db
        connection.close()


@contextmanager
def _bound_session(transaction, keep: bool = False):
    """`db.session` bound to `transaction`'s connection; the transaction is rolled
    back at the end (`keep`: released, for a module's world)."""
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own Session.get_bind()
    # would ignore `bind` and reach for the engine, escaping the transaction.
    session = scoped_session(
        sessionmaker(bind=transaction.connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    original = _db.session
    _db.session = session
    kept = False
    try:
        yield session
        if keep:
            session.commit()  # the session's own savepoint, inside `transaction`
            kept = True
    finally:
        session.remove()
        _db.session = original
        if kept:
            transaction.commit()
        else:
            transaction.rollback()


@pytest.fixture(scope="module")
def module_connection(app):
    """For modules marked `module_world`: one connection and transaction for the
    whole module, rolled back after it. A module fixture builds its world in
    `module_session()`; each test then runs in a savepoint of it (see `db`)."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        yield connection
        outer.rollback()
        connection.close()


@contextmanager
def module_session(app, connection):
    """`db.session` on the module's transaction, to build its world (flushed, not
    committed: rolled back after the module). The objects are detached after it:
    keep their ids."""
    with app.app_context(), _bound_session(connection.begin_nested(), keep=True) as session:
        yield session


def _truncate_all() -> None:
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(db):
    return factories.create_organisation(slug="ville-a", name="Ville A")


@pytest.fixture
def other_org(db):
    return factories.create_organisation(slug="ville-b", name="Ville B")


@pytest.fixture
def login_as(client, org):
    """login_as('admin') → a new user of `org` with that role, logged in on `client`.
    Pass a User to log that user in."""

    def _login(role_or_user, **kwargs):
        user = role_or_user
        if isinstance(role_or_user, str):
            user = factories.create_user(org if role_or_user != "operator" else None,
                                         roles=[role_or_user], **kwargs)
        factories.log_in(client, user)
        return user

    return _login


@pytest.fixture
def outbox(app):
    path = Path(app.config["OUTBOX_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    for f in path.glob("*.eml"):
        f.unlink()
    return path


@pytest.fixture
def two_redis_apps(app):
    """Two app instances sharing the real Redis (CI's second pass), as two web
    processes would: what one caches or invalidates, the other sees. Tokens left by an
    earlier run on the same ids are replaced first."""
    url = app.config.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set: runs in CI's second pass")
    one = create_app({**_test_config(), "REDIS_URL": url})
    two = create_app({**_test_config(), "REDIS_URL": url})
    with one.app_context():
        app_cache.bump_all()
    return one, two
