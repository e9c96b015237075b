"""The project page as every reader who may see the project sees it (issue 15): the
facts, objectives and their progress, the consensus meter, the unanswered concerns,
the timeline, the proposals' tables and the comments. Rendered once per (collectivité,
project, language, mount point, day), then served from the cache (core.cache) until a
committed write to what it is made of (WATCHED, declared by projects.setup) replaces
its version token.

What is the reader's own is never in the entry: the readiness (the courses' figure,
cached by courses), the project lead's buttons, the other domains' panels (each cached
by its domain), "Votre position" on the open proposals and the comment form are filled
in per request, in the markers the entry carries (a random nonce drawn with the entry:
text written by members cannot forge one).

Time: late actions and "future" timeline items depend on the day (in the key); a
proposal closing (its figures shown, its hidden results revealed, its line moving to
the closed table) depends on the time of day: an entry is valid until the first
closing after it was built, and a reader past it gets an entry built after that time.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import partial
from typing import NamedTuple

from flask import abort, render_template, request
from flask_babel import get_locale
from markupsafe import Markup, escape

from change_portal.accounts.models import User
from change_portal.core import cache, clock
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from change_portal.projects import queries
from change_portal.projects.models import (
    Action,
    Concern,
    Position,
    PositionChange,
    Project,
    ProjectComment,
    ProjectStatusChange,
    Proposal,
    project_objective,
    project_service,
)
from change_portal.roadmap.models import Indicator, IndicatorValue, Objective

WATCH = "projects.page"
# Every model the shared part shows something of: the project and its services'
# names, lead (a display name), objectives with their indicators (progress bars);
# actions and their concerns; proposals (stored counts), positions and their history
# (the chart); status changes and comments with their authors' names. Users' login
# and counters are bookkeeping columns (User.cache_ignored_columns): they keep it.
# Deleting a collectivité deletes its projects in the database (no ORM event).
WATCHED = (Organisation, Project, Service, User, Objective, Indicator, IndicatorValue,
           Action, Concern, Proposal, Position, PositionChange, ProjectStatusChange,
           ProjectComment)
WATCHED_TABLES = (project_service.name, project_objective.name)
# An entry lives at most this long (seconds): a bound on the keys that expired
# entries leave behind (see `project_part`).
MAX_AGE = 300


def _marker(nonce: str, kind: str, value="") -> Markup:
    return Markup(f"<!--{nonce}:{kind}:{value}-->")  # noqa: S704 - hex, a word, an id


class SharedPage(NamedTuple):
    """The cached part of a project page (picklable)."""

    html: str
    nonce: str
    open_ids: tuple[int, ...]  # the open proposals: "Votre position" is asked for these
    valid_until: datetime | None  # the first closing of a proposal after it was built

    def fill(self, *, readiness, run, panels, positions: dict[int, str],
             unpositioned) -> Markup:
        """The page's content with the reader's parts in its markers: `readiness`, `run`
        (safe HTML), `panels` (a list of safe HTML), `positions` (proposal id → the
        reader's stance label) and `unpositioned` (safe HTML for an open proposal the
        reader took no position on)."""
        fills = {"readiness": readiness, "run": run, "panels": Markup("").join(panels)}

        def one(match) -> str:
            if match[1] == "position":
                stance = positions.get(int(match[2]))
                return str(escape(stance) if stance else unpositioned)
            return str(fills[match[1]])

        pattern = re.compile(f"<!--{re.escape(self.nonce)}:(\\w+):(\\w*)-->")
        # The entry was rendered by Jinja with autoescaping and the fills are safe HTML.
        return Markup(pattern.sub(one, self.html))  # noqa: S704


def project_part(project_id: int, organisation_id: int) -> SharedPage:
    """The shared part of a project's page (the caller checked that the reader may see
    the project)."""
    today = clock.today()

    def build() -> SharedPage:
        # Read again after the cache's tokens, with what the page shows of it: an object
        # loaded before them may predate a change whose token is already current.
        project = queries.project_for_page(project_id, organisation_id, fresh=True)
        if project is None:
            abort(404)  # deleted meanwhile
        now = utcnow()
        page = queries.project_page(project, today, now)
        nonce = uuid.uuid4().hex
        html = render_template("projects/_show_shared.html", project=project, page=page,
                               marker=partial(_marker, nonce))
        closings = [p.closes_at for p in page.proposals if p.closes_at > now]
        return SharedPage(str(html), nonce, tuple(p.id for p in page.open_proposals),
                          min(closings, default=None))

    parts = [str(get_locale()), request.script_root, project_id, today.isoformat()]
    while True:
        shared = cache.cached_value(WATCH, organisation_id, tuple(parts), build, db.session,
                                    timeout=MAX_AGE)
        if shared.valid_until is None or utcnow() < shared.valid_until:
            return shared
        # A proposal closed since this entry was built: the entry built after that
        # closing (the closing time in its key), stored for the next readers too.
        parts.append(shared.valid_until.isoformat())

