"""Wiring of the elected officials' views, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.home import register_panel
from change_portal.officials import opendata
from change_portal.officials.home import roadmap_panel
from change_portal.officials.views import bp, public_bp
from change_portal.projects.models import Concern, Proposal, project_service


def init_app(app: Flask) -> None:
    """Blueprints (dashboard and council reports; open data), the home panel and the
    open-data cache's invalidation on writes."""
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    register_panel(roadmap_panel, order=30)
    opendata.install_invalidation()
    # The dashboard's shared part: the open-data document's content, plus the stored
    # meters of the proposals, the unanswered concerns and the agents (readiness)…
    cache.watch("dashboard", (*opendata.WATCHED, Proposal, Concern, User),
                (*opendata.WATCHED_TABLES, project_service.name))
    # …and what the "project.readiness_many" hook reads (its provider adds its models).
    cache.watch("project.readiness", ())
