"""The roadmap panel of the home page (elected officials, admins, project leads)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from change_portal.core import clock
from change_portal.core.permissions import Role
from change_portal.projects import queries as project_queries
from change_portal.roadmap import queries

READERS = (Role.ELECTED, Role.ADMIN, Role.PROJECT_LEAD)


def roadmap_panel(user) -> Markup | None:
    """Overall progress and late items, with a link to the dashboard."""
    if getattr(user, "organisation_id", None) is None:
        return None
    if not any(user.has_role(r) for r in READERS):
        return None
    today = clock.today()
    view = queries.load_roadmap(user.organisation_id, today)
    if view.roadmap is None:
        return None
    # Only the count is shown: no action rows fetched.
    late_actions = project_queries.dashboard_actions(user.organisation_id, today, 0, limit=1)
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "officials/_home_panel.html", view=view, late=len(view.late) + late_actions.late_total))
