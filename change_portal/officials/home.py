"""The roadmap panel of the home page (elected officials, admins, project leads)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from change_portal.core import cache, clock
from change_portal.core.permissions import Role
from change_portal.extensions import db
from change_portal.projects import queries as project_queries
from change_portal.roadmap import queries

READERS = (Role.ELECTED, Role.ADMIN, Role.PROJECT_LEAD)


def roadmap_panel(user) -> Markup | None:
    """Overall progress and late items, with a link to the dashboard: the same for
    every reader of the collectivité, cached with the dashboard's shared part (the
    watch "dashboard", declared in officials.setup; rebuilt at least every 5 minutes
    and when the day changes, as actions fall late with the clock alone)."""
    if getattr(user, "organisation_id", None) is None:
        return None
    if not any(user.has_role(r) for r in READERS):
        return None
    org_id, today = user.organisation_id, clock.today()
    html = cache.cached_value(
        "dashboard", org_id,
        ("home-panel", str(get_locale()), request.script_root, today.isoformat()),
        lambda: _render_panel(org_id, today), db.session, timeout=300)
    # Rendered by Jinja with autoescaping ("" without a roadmap).
    return Markup(html) if html else None  # noqa: S704


def _render_panel(org_id: int, today) -> str:
    view = queries.load_roadmap(org_id, today)
    if view.roadmap is None:
        return ""
    # Only the count is shown: no action rows fetched.
    late_actions = project_queries.dashboard_actions(org_id, today, 0, limit=1)
    return str(render_template(
        "officials/_home_panel.html", view=view, late=len(view.late) + late_actions.late_total))
