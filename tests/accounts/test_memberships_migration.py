"""Migration 0019_memberships: each existing user becomes one membership of a new
account holding their email and password; nothing that points at a user is lost.

Runs on a database of its own: a fresh SQLite file, or, on the PostgreSQL pass, a
scratch database next to the suite's one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from change_portal import create_app

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
NOW = "2026-01-05 10:00:00"


@pytest.fixture
def scratch_url(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        path = Path(tempfile.mkdtemp(prefix="cp-mig-")) / "mig.sqlite3"
        yield f"sqlite:///{path}"
        return
    name = f"{url.database}_mig0019"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_upgrade_from_0014_gives_each_user_one_membership(app, scratch_url):
    mig_app = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with mig_app.app_context():
        from change_portal.extensions import db

        upgrade(directory=MIGRATIONS, revision="0014_organisation_region")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organisation (id, slug, name, kind, population, roadmap_published,"
                " created_at, updated_at) VALUES (1, 'ville-a', 'Ville A', 'commune', 10,"
                " false, :now, :now)"), {"now": NOW})
            conn.execute(text(
                "INSERT INTO service (id, organisation_id, name, created_at, updated_at)"
                " VALUES (1, 1, 'Accueil', :now, :now)"), {"now": NOW})
            for uid, email, pw, erased in [(1, "ana@ville-a.fr", "hash-1", None),
                                           (2, "ben@ville-a.fr", None, None),
                                           (3, None, None, NOW)]:
                conn.execute(text(
                    'INSERT INTO "user" (id, organisation_id, email, full_name, password_hash,'
                    " active, service_id, erased_at, created_at, updated_at) VALUES"
                    " (:id, 1, :email, 'X', :pw, true, 1, :erased, :now, :now)"),
                    {"id": uid, "email": email, "pw": pw, "erased": erased, "now": NOW})
            conn.execute(text("INSERT INTO user_role (user_id, role) VALUES (1, 'admin'),"
                              " (1, 'agent'), (2, 'agent')"))
            conn.execute(text(
                "INSERT INTO login_session (user_id, token_hash, created_at, last_seen_at)"
                " VALUES (1, 'abc', :now, :now)"), {"now": NOW})

        upgrade(directory=MIGRATIONS, revision="0019_memberships")

        with db.engine.connect() as conn:
            accounts = conn.execute(text(
                "SELECT id, email, password_hash FROM account ORDER BY id")).all()
            users = conn.execute(text(
                'SELECT id, account_id, organisation_id, service_id, email, status'
                ' FROM "user" ORDER BY id')).all()
            roles = conn.execute(text(
                "SELECT user_id, role FROM user_role ORDER BY user_id, role")).all()
            sessions = conn.execute(text("SELECT user_id FROM login_session")).all()
        assert [tuple(a) for a in accounts] == [
            (1, "ana@ville-a.fr", "hash-1"), (2, "ben@ville-a.fr", None), (3, None, None)]
        assert [tuple(u) for u in users] == [
            (1, 1, 1, 1, "ana@ville-a.fr", "active"),
            (2, 2, 1, 1, "ben@ville-a.fr", "invited"),  # never set a password
            (3, 3, 1, 1, None, "left"),  # erased earlier
        ]
        assert [tuple(r) for r in roles] == [(1, "admin"), (1, "agent"), (2, "agent")]
        assert [tuple(s) for s in sessions] == [(1,)]  # the table rebuild cascaded nothing

        # A new account gets a fresh id (the PostgreSQL sequence follows the copied ids).
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO account (email, created_at, updated_at)"
                              " VALUES ('new@ville-a.fr', :now, :now)"), {"now": NOW})
            assert conn.scalar(text(
                "SELECT id FROM account WHERE email = 'new@ville-a.fr'")) == 4
            conn.execute(text("DELETE FROM account WHERE id = 4"))

        downgrade(directory=MIGRATIONS, revision="0014_organisation_region")
        with db.engine.connect() as conn:
            assert conn.execute(text(
                'SELECT id, password_hash FROM "user" ORDER BY id')).all() == [
                (1, "hash-1"), (2, None), (3, None)]
            assert conn.scalar(text("SELECT count(*) FROM login_session")) == 1
        db.engine.dispose()
