"""The elected officials' dashboard: overall progress, axes, late items first,
actions of the next 30 days, projects with their consensus meter and readiness,
and what changed since the last visit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from change_portal.core import cache, clock
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
# What the shared part is made of (declared in officials.setup and courses.setup).
DASHBOARD_WATCHES = ("dashboard", "project.readiness")
# Proposals close and actions fall late as time passes, without any write: the
# shared part is rebuilt at least every 5 minutes (and when the day changes).
SHARED_MAX_AGE = 300
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
    shared, units = _shared_part(org_id, today)
    every_change = request.args.get("changements") == "tous"
    # "Voir tout" keeps the visit it was offered from (this GET records a new one)
    since = _since(request.args.get("depuis")) if every_change else previous
    fetch = 200  # recent rows summed up into lines (bounded whatever the history)
    history, status_changes = officials_queries.changes_since(org_id, since, limit=fetch)
    changes, change_count = summarise(history, status_changes, units,
                                      limit=fetch if every_change else 10)
    return render_template(
        "officials/dashboard.html", shared=shared, previous=previous, changes=changes,
        change_count=change_count, every_change=every_change,
        since_param=int(previous.timestamp()) if previous else None,
        panels=render_hook("dashboard.panels", user=current_user),
    )


def _shared_part(org_id: int, today) -> tuple[Markup, dict]:
    """The roadmap, late and upcoming actions and projects, the same for every reader
    of the collectivité: rendered once, then from the cache until something they are
    made of changes (officials.setup declares what), or the day changes. The units of
    the indicators come with it (the changes summary needs them)."""
    def build() -> tuple[str, dict]:
        view = queries.load_roadmap(org_id, today)
        # Capped lists (the first ACTIONS_SHOWN of each, with their counts); "Voir les
        # N actions" leads to the paginated lists (dashboard_actions below).
        actions = project_queries.dashboard_actions(org_id, today, 30, limit=ACTIONS_SHOWN)
        # The projects with their meters and unanswered concerns in one statement.
        rows = officials_queries.dashboard_project_rows(org_id, PROJECTS_SHOWN)
        units = {(iv.indicator.objective_id, iv.indicator.name): iv.indicator.unit
                 for ov in view.objectives for iv in ov.indicators}
        html = render_template("officials/_dashboard_shared.html", view=view,
                               actions=actions, rows=rows, today=today)
        return str(html), units

    html, units = cache.cached_value(
        DASHBOARD_WATCHES, org_id, (str(get_locale()), request.script_root, today.isoformat()),
        build, db.session, timeout=SHARED_MAX_AGE)
    # Rendered by Jinja with autoescaping: safe HTML.
    return Markup(html), units  # noqa: S704


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
