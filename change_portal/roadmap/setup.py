"""Wiring of the roadmap domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core.home import register_panel
from change_portal.core.registry import register
from change_portal.roadmap.home import roadmap_panel
from change_portal.roadmap.jobs import purge_old_reports
from change_portal.roadmap.views import bp, public_bp


def init_app(app: Flask) -> None:
    """Blueprints (pages and open data), home panel, retention of old reports."""
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    register_panel(roadmap_panel, order=30)
    register("retention.purge", purge_old_reports)
