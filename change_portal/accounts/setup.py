"""Wiring of the accounts domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.accounts import privacy
from change_portal.accounts.views import bp
from change_portal.core.privacy import register_provider


def init_app(app: Flask) -> None:
    """Blueprint (login, account, invitations, password reset) and privacy provider."""
    app.register_blueprint(bp)
    register_provider(privacy.PROVIDER)
