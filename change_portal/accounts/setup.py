"""Wiring of the accounts domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.accounts import cookie, privacy
from change_portal.accounts.views import bp
from change_portal.core.privacy import register_provider


def init_app(app: Flask) -> None:
    """Blueprint (login, account, invitations, password reset), privacy provider and
    the session cookie's interface."""
    app.register_blueprint(bp)
    cookie.init_app(app)
    register_provider(privacy.PROVIDER)
