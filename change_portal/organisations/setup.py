"""Wiring of the organisations domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.organisations.views import admin_bp, platform_bp


def init_app(app: Flask) -> None:
    """Blueprints: the collectivité's administration and the platform operator's pages."""
    app.register_blueprint(admin_bp)
    app.register_blueprint(platform_bp)
