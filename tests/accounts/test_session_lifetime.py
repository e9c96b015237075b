"""SESSION_MAX_HOURS is an absolute lifetime, enforced on the server-side row:
a session used every 25 minutes (never idle) still ends after it (issue 11, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from change_portal.accounts import services, sessions
from change_portal.accounts.models import LoginSession
from change_portal.core.models import utcnow
from change_portal.extensions import db
from tests import factories


class Clock:
    """Time travel for the session code: `clock.advance(minutes=25)`."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(services, "utcnow", lambda: self.now)
        monkeypatch.setattr(sessions, "utcnow", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def test_a_session_kept_busy_still_ends_after_the_maximum(app, client, org, clock):
    user = factories.create_user(org, ["agent"], email="assidu@ville-a.fr")
    factories.log_in(client, user)
    max_hours = app.permanent_session_lifetime / timedelta(hours=1)
    assert app.config["SESSION_IDLE_MINUTES"] > 25
    elapsed = timedelta()
    while elapsed + timedelta(minutes=25) < app.permanent_session_lifetime:
        clock.advance(minutes=25)
        elapsed += timedelta(minutes=25)
        assert client.get("/accueil").status_code == 200, f"ended after {elapsed}"
    clock.advance(minutes=25)  # now past SESSION_MAX_HOURS, though never idle
    resp = client.get("/accueil")
    assert resp.status_code == 302 and "/connexion" in resp.headers["Location"], max_hours
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
    assert rows.all() == []  # the row is gone: the copied cookie is worthless too


def test_lifetime_counts_from_the_login_not_the_last_click(app, client, org, clock):
    user = factories.create_user(org, ["agent"], email="nuit@ville-a.fr")
    factories.log_in(client, user)
    clock.advance(minutes=10)
    assert client.get("/accueil").status_code == 200
    ls = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    ls.created_at = clock.now - app.permanent_session_lifetime - timedelta(seconds=1)
    db.session.flush()
    assert client.get("/accueil").status_code == 302
