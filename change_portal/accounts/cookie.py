"""The session cookie: re-sent only when its content changed, and always with the
expiry fixed at login (issue 11 item 5: the cookie must not slide; the server-side
row enforces the same absolute lifetime, SESSION_MAX_HOURS)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin

EXPIRES_KEY = "_exp"  # Unix time at which the cookie expires, set at login


def fix_expiry(session: SessionMixin, lifetime) -> None:
    """At login: the cookie expires `lifetime` (SESSION_MAX_HOURS) from now, whatever
    is written to it later."""
    session[EXPIRES_KEY] = int((datetime.now(UTC) + lifetime).timestamp())


class FixedExpirySessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, with the expiry read from the session instead of
    recomputed (now + lifetime) each time it is written. With
    SESSION_REFRESH_EACH_REQUEST off it is written only when the session changed
    (login, first CSRF token, language): no re-signing on the other responses."""

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        expires = session.get(EXPIRES_KEY) if session.permanent else None
        if isinstance(expires, int):
            return datetime.fromtimestamp(expires, UTC)
        return super().get_expiration_time(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = FixedExpirySessionInterface()
