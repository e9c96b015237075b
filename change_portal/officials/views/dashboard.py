"""The elected officials' dashboard: overall progress, axes, late items first,
actions of the next 30 days, projects with their consensus meter and readiness,
and what changed since the last visit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask_login import current_user

from change_portal.core import clock
from change_portal.core.pagination import Page, current_page_number
from change_portal.core.params import parse_int
from change_portal.core.permissions import Role, role_required
from change_portal.core.registry import render_hook
from change_portal.extensions import db
from change_portal.officials import queries as officials_queries
from change_portal.officials.views import bp
from change_portal.projects import queries as project_queries
from change_portal.roadmap import queries, services
from change_portal.roadmap.changes import summarise

ACTIONS_SHOWN = 10
PROJECTS_SHOWN = 50  # the rest are on the project list
ACTIONS_PER_PAGE = 50
readers = role_required(Role.ELECTED, Role.ADMIN, Role.PROJECT_LEAD)


@bp.get("/tableau-de-bord")
@readers
def dashboard():
    org_id = current_user.organisation_id
    today = clock.today()
    # Remember this visit first (and commit), so that nothing loaded below expires;
    # written at most once a minute, so that a reload writes nothing.
    previous, written = services.mark_dashboard_visit(current_user)
    if written:
        db.session.commit()
    view = queries.load_roadmap(org_id, today)
    # Capped lists (the first ACTIONS_SHOWN of each, with their counts); "Voir les N
    # actions" leads to the paginated lists (dashboard_actions below).
    actions = project_queries.dashboard_actions(org_id, today, 30, limit=ACTIONS_SHOWN)
    # The projects with their meters and unanswered concerns in one statement.
    rows = officials_queries.dashboard_project_rows(org_id, PROJECTS_SHOWN)
    every_change = request.args.get("changements") == "tous"
    # "Voir tout" keeps the visit it was offered from (this GET records a new one)
    since = _since(request.args.get("depuis")) if every_change else previous
    fetch = 200  # recent rows summed up into lines (bounded whatever the history)
    history, status_changes = officials_queries.changes_since(org_id, since, limit=fetch)
    # Units from the indicators already loaded with the roadmap (no extra query).
    units = {(iv.indicator.objective_id, iv.indicator.name): iv.indicator.unit
             for ov in view.objectives for iv in ov.indicators}
    changes, change_count = summarise(history, status_changes, units,
                                      limit=fetch if every_change else 10)
    return render_template(
        "officials/dashboard.html", view=view, actions=actions,
        rows=rows, previous=previous, changes=changes, change_count=change_count,
        every_change=every_change, today=today,
        since_param=int(previous.timestamp()) if previous else None,
        panels=render_hook("dashboard.panels", user=current_user),
    )


ACTION_LISTS = {"en-retard": True, "a-venir": False}  # ?liste= → late


@bp.get("/tableau-de-bord/actions")
@readers
def dashboard_actions():
    """The dashboard's late or upcoming actions in full, page by page."""
    late = ACTION_LISTS.get(request.args.get("liste", "en-retard"))
    if late is None:
        abort(404)
    number = current_page_number()
    lines, total = project_queries.dashboard_action_page(
        current_user.organisation_id, clock.today(), late, number, ACTIONS_PER_PAGE)
    if number > 1 and not lines:
        abort(404)
    page = Page(items=lines, page=number, per_page=ACTIONS_PER_PAGE, total=total)
    return render_template("officials/dashboard_actions.html", page=page, late=late,
                           liste=request.args.get("liste", "en-retard"))


def _since(value: str | None) -> datetime | None:
    """A "depuis" timestamp from the URL: ASCII digits of a plausible epoch, else none."""
    seconds = parse_int(value, maximum=9_999_999_999)
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
