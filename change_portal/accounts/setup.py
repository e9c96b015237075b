"""Wiring of the accounts domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.accounts import cookie, privacy
from change_portal.accounts.admin.views import admin_bp, platform_bp
from change_portal.accounts.views import bp
from change_portal.core.privacy import register_provider


def init_app(app: Flask) -> None:
    """Blueprints (login, account, invitations, password reset; the administration of
    users and services; the platform operator's pages), privacy provider and the
    session cookie's interface."""
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(platform_bp)
    cookie.init_app(app)
    register_provider(privacy.PROVIDER)
