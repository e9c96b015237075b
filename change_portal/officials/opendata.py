"""The roadmap as open data: the same structure for the JSON API and the public
page, with no names of agents."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from change_portal.core import cache, clock
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.projects.models import Action, Project, action_objective, project_objective
from change_portal.roadmap import progress as rules
from change_portal.roadmap import queries
from change_portal.roadmap.models import Axis, Indicator, IndicatorValue, Objective, Roadmap


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def roadmap_document(organisation, today: date | None = None) -> dict:
    """A plain dict (JSON-ready) of the published roadmap of `organisation`."""
    today = today or clock.today()
    view = queries.load_roadmap(organisation.id, today)
    values: dict[int, list] = defaultdict(list)
    for ind_id, value, measured_on in db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.value, IndicatorValue.measured_on)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(Indicator.organisation_id == organisation.id)
        .order_by(IndicatorValue.measured_on, IndicatorValue.id)
    ):
        values[ind_id].append({"date": measured_on.isoformat(), "value": value})
    # Plain rows, not ORM objects: thousands of actions at a large collectivité.
    actions = db.session.execute(
        select(Action.id, Action.kind, Action.title, Action.status, Action.planned_on,
               Action.participants, Project.id.label("project_id"),
               Project.title.label("project_title"), Project.status.label("project_status"))
        .join(Project, Project.id == Action.project_id)
        .where(Action.organisation_id == organisation.id)
        .order_by(Action.planned_on, Action.id)
    ).all()
    objective_ids: dict[int, list[int]] = defaultdict(list)
    for action_id, objective_id in db.session.execute(
        select(action_objective.c.action_id, action_objective.c.objective_id)
        .join(Action, Action.id == action_objective.c.action_id)
        .where(Action.organisation_id == organisation.id)
        .order_by(action_objective.c.action_id, action_objective.c.objective_id)
    ):
        objective_ids[action_id].append(objective_id)
    doc = {
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "roadmap": None,
        "axes": [],
        "actions": [],
    }
    if view.roadmap is not None:
        doc["roadmap"] = {"title": view.roadmap.title, "start_year": view.roadmap.start_year,
                          "end_year": view.roadmap.end_year, "progress": _round(view.progress)}
    for av in view.axes:
        doc["axes"].append({
            "id": av.axis.id,
            "title": av.axis.title,
            "progress": _round(av.progress),
            "objectives": [{
                "id": ov.objective.id,
                "title": ov.objective.title,
                "status": ov.objective.status,
                "progress": _round(ov.progress),
                "target_date": (ov.objective.target_date.isoformat()
                                if ov.objective.target_date else None),
                "late": ov.late,
                "weight": ov.objective.weight,
                "indicators": [{
                    "id": iv.indicator.id,
                    "name": iv.indicator.name,
                    "unit": iv.indicator.unit,
                    "baseline": iv.indicator.baseline,
                    "target": iv.indicator.target,
                    "values": values.get(iv.indicator.id, []),
                } for iv in ov.indicators],
            } for ov in av.objectives],
        })
    for a in actions:
        doc["actions"].append({
            "id": a.id,
            "type": a.kind,
            "title": a.title,
            "status": a.status,
            "date": a.planned_on.isoformat(),
            "late": rules.action_late(a.status, a.planned_on, today),
            "participants": a.participants,
            "project": {"id": a.project_id, "title": a.project_title,
                        "status": a.project_status},
            "objective_ids": objective_ids.get(a.id, []),
        })
    return doc


# --- The document as served: cached until what it is made of changes, with its ETag ---

# What the document is made of: a committed write to any of these invalidates it.
WATCHED = (Organisation, Roadmap, Axis, Objective, Indicator, IndicatorValue, Project, Action)
WATCHED_TABLES = (action_objective.name, project_objective.name)
WATCH = "opendata"


def published_document(organisation, today: date | None = None) -> tuple[bytes, str]:
    """(JSON body, ETag) of the roadmap document of `organisation`, from the cache when
    nothing it is made of has changed since it was built (today's date is part of
    the key: "late" depends on it)."""
    today = today or clock.today()

    def build() -> tuple[bytes, str]:
        body = json.dumps(roadmap_document(organisation, today), ensure_ascii=False,
                          separators=(",", ":")).encode()
        return body, hashlib.sha256(body).hexdigest()[:32]

    return cache.cached_value(WATCH, organisation.id, (today.isoformat(),), build,
                              db.session)


def install_invalidation() -> None:
    """Rebuild a published document after any committed change it is made of (called
    by officials' init_app)."""
    cache.watch(WATCH, WATCHED, WATCHED_TABLES)
