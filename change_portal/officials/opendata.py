"""The roadmap as open data: the same structure for the JSON API and the public
page, with no names of agents."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

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


# --- The document as served: cached under version tokens, with its ETag ------------

# What the document is made of: a write to any of these, committed, invalidates it.
_WATCHED = (Organisation, Roadmap, Axis, Objective, Indicator, IndicatorValue, Project, Action)
_WATCHED_TABLES = frozenset(
    [m.__table__.name for m in _WATCHED] + [action_objective.name, project_objective.name])
_ALL = "opendata:*"  # bumped when a change cannot be tied to one collectivité
_PENDING = "opendata_changed"  # session.info key: collectivités changed, not yet committed


def _version_name(organisation_id: int) -> str:
    return f"opendata:{organisation_id}"


def published_document(organisation, today: date | None = None) -> tuple[bytes, str]:
    """(JSON body, ETag) of the roadmap document of `organisation`, from the cache when
    nothing it is made of has changed since it was built (today's date is part of
    the key: "late" depends on it)."""
    today = today or clock.today()
    pending = db.session.info.get(_PENDING)
    tokens = None if pending else cache.version_tokens(_ALL, _version_name(organisation.id))
    key = None
    if tokens is not None:
        key = f"opendata:doc:{organisation.id}:{today.isoformat()}:{':'.join(tokens)}"
        hit = cache.get(key)
        if hit is not None:
            return hit
    body = json.dumps(roadmap_document(organisation, today), ensure_ascii=False,
                      separators=(",", ":")).encode()
    entry = (body, hashlib.sha256(body).hexdigest()[:32])
    if key is not None:
        cache.set(key, entry)
    return entry


def _collect_changes(session, _flush_context) -> None:
    changed = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Organisation):
            changed.add(_version_name(obj.id))
        elif isinstance(obj, _WATCHED):
            org_id = obj.organisation_id
            changed.add(_version_name(org_id) if org_id is not None else _ALL)
    if not changed:
        session.info.pop(_PENDING, None)


def _collect_bulk_changes(state) -> None:
    # Bulk UPDATE/DELETE/INSERT statements bypass the flush: invalidate every document.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _WATCHED_TABLES:
        state.session.info.setdefault(_PENDING, set()).add(_ALL)


def _invalidate(session) -> None:
    changed = session.info.pop(_PENDING, None)
    if changed and has_app_context():
        cache.bump(*changed)


def _forget(session) -> None:
    # Nothing was cached while changes were pending (see published_document).
    session.info.pop(_PENDING, None)


_LISTENERS = (("after_flush", _collect_changes), ("do_orm_execute", _collect_bulk_changes),
              ("after_commit", _invalidate), ("after_rollback", _forget))


def install_invalidation() -> None:
    """Listen to the sessions' writes so that a published document is rebuilt after any
    change it is made of (called by officials' init_app; idempotent: several apps in one
    process share the Session class)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
