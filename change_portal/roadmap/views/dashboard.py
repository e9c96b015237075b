"""The elected officials' dashboard: overall progress, axes, late items first,
actions of the next 30 days, projects with their consensus meter and readiness,
and what changed since the last visit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from change_portal.core import clock
from change_portal.core.params import parse_int
from change_portal.core.permissions import Role, role_required
from change_portal.extensions import db
from change_portal.projects import queries as project_queries
from change_portal.projects.models import Project, ProjectStatus
from change_portal.roadmap import queries, services
from change_portal.roadmap.changes import summarise
from change_portal.roadmap.views import bp
from change_portal.roadmap.views._helpers import project_limit

readers = role_required(Role.ELECTED, Role.ADMIN, Role.PROJECT_LEAD)


@bp.get("/tableau-de-bord")
@readers
def dashboard():
    org_id = current_user.organisation_id
    today = clock.today()
    # Remember this visit first (and commit), so that nothing loaded below expires.
    previous = services.mark_dashboard_visit(current_user)
    db.session.commit()
    view = queries.load_roadmap(org_id, today)
    late_actions = project_queries.late_actions(org_id, today)
    upcoming = project_queries.upcoming_actions(org_id, today, 30)
    projects = list(db.session.scalars(
        select(Project).where(Project.organisation_id == org_id,
                              Project.status != ProjectStatus.ABANDONED)
        .order_by(func.lower(Project.title), Project.id).limit(project_limit())
    ).all())
    rows = project_queries.project_rows(projects)
    every_change = request.args.get("changements") == "tous"
    # "Voir tout" keeps the visit it was offered from (this GET records a new one)
    since = _since(request.args.get("depuis")) if every_change else previous
    fetch = 200  # recent rows summed up into lines (bounded whatever the history)
    history = queries.history_since(org_id, since, limit=fetch)
    status_changes = project_queries.status_changes_since(org_id, since, limit=fetch)
    units = queries.indicator_units(org_id, [h.objective_id for h in history
                                             if h.kind == "indicator"])
    changes, change_count = summarise(history, status_changes, units,
                                      limit=fetch if every_change else 10)
    return render_template(
        "roadmap/dashboard.html", view=view, late_actions=late_actions, upcoming=upcoming,
        rows=rows, previous=previous, changes=changes, change_count=change_count,
        every_change=every_change, today=today,
        since_param=int(previous.timestamp()) if previous else None,
    )


def _since(value: str | None) -> datetime | None:
    """A "depuis" timestamp from the URL: ASCII digits of a plausible epoch, else none."""
    seconds = parse_int(value, maximum=9_999_999_999)
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
