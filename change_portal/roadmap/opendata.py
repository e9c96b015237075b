"""The roadmap as open data: the same structure for the JSON API and the public
page, with no names of agents."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from change_portal.core import clock
from change_portal.extensions import db
from change_portal.projects.models import Action
from change_portal.roadmap import progress as rules
from change_portal.roadmap import queries
from change_portal.roadmap.models import Indicator, IndicatorValue


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
    actions = db.session.scalars(
        select(Action).where(Action.organisation_id == organisation.id)
        .options(selectinload(Action.project), selectinload(Action.objectives))
        .order_by(Action.planned_on, Action.id)
    ).all()
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
            "project": {"id": a.project.id, "title": a.project.title,
                        "status": a.project.status},
            "objective_ids": [o.id for o in a.objectives],
        })
    return doc


