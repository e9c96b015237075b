"""Wiring of the roadmap domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core.registry import register
from change_portal.roadmap.retention import purge_old_reports
from change_portal.roadmap.views import bp


def init_app(app: Flask) -> None:
    """Blueprint (the roadmap's pages) and retention of old reports."""
    app.register_blueprint(bp)
    register("retention.purge", purge_old_reports)
