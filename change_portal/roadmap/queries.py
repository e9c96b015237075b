"""Read helpers of the roadmap: a fixed number of queries whatever its size,
and every progress figure computed once by roadmap.progress."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from change_portal.core import clock
from change_portal.extensions import db
from change_portal.roadmap import progress as rules
from change_portal.roadmap.models import (
    Axis,
    Indicator,
    IndicatorValue,
    Objective,
    ObjectiveHistory,
    ObjectiveStatus,
    Roadmap,
)


@dataclass
class IndicatorView:
    indicator: Indicator
    latest: float | None
    latest_on: date | None

    @property
    def row(self) -> rules.IndicatorRow:
        return rules.IndicatorRow(self.indicator.baseline, self.indicator.target, self.latest)

    @property
    def ratio(self) -> float | None:
        return rules.indicator_ratio(self.row)


@dataclass
class ObjectiveView:
    objective: Objective
    indicators: list[IndicatorView]
    progress: float
    source: str
    late: bool

    @property
    def counted(self) -> bool:
        return self.objective.status != ObjectiveStatus.ABANDONED


@dataclass
class AxisView:
    axis: Axis
    objectives: list[ObjectiveView] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        return rules.axis_progress(
            (o.objective.status, o.objective.weight, o.progress) for o in self.objectives
        )


@dataclass
class RoadmapView:
    roadmap: Roadmap | None
    axes: list[AxisView]

    @property
    def progress(self) -> float | None:
        return rules.roadmap_progress(a.progress for a in self.axes)

    @property
    def objectives(self) -> list[ObjectiveView]:
        return [o for a in self.axes for o in a.objectives]

    @property
    def late(self) -> list[ObjectiveView]:
        return [o for o in self.objectives if o.late]

    def by_id(self) -> dict[int, ObjectiveView]:
        return {o.objective.id: o for o in self.objectives}


def get_roadmap(organisation_id: int) -> Roadmap | None:
    return db.session.scalar(select(Roadmap).where(Roadmap.organisation_id == organisation_id))


def _latest_value_id():
    """Correlated subquery: the id of an indicator's latest value (by date, then id)."""
    return (
        select(IndicatorValue.id)
        .where(IndicatorValue.indicator_id == Indicator.id)
        .order_by(IndicatorValue.measured_on.desc(), IndicatorValue.id.desc())
        .limit(1)
        .correlate(Indicator)
        .scalar_subquery()
    )


def latest_values(organisation_id: int, objective_ids=None) -> list[tuple]:
    """(Indicator, latest value, date of latest) for the indicators of a collectivité,
    in one query (a correlated subquery picks the latest value)."""
    latest = _latest_value_id()
    stmt = (
        select(Indicator, IndicatorValue.value, IndicatorValue.measured_on)
        .outerjoin(IndicatorValue, IndicatorValue.id == latest)
        .where(Indicator.organisation_id == organisation_id)
        .order_by(Indicator.id)
    )
    if objective_ids is not None:
        stmt = stmt.where(Indicator.objective_id.in_(objective_ids))
    return db.session.execute(stmt).all()


def load_roadmap(organisation_id: int, today: date | None = None) -> RoadmapView:
    """The whole roadmap with every figure: one statement, whatever its size.

    The roadmap, its axes, their objectives (with their owner) and each objective's
    indicators with their latest value come as one row per (axis, objective,
    indicator): a few hundred rows at most, cheaper than one round trip per level
    (an axis-less roadmap, an objective without indicators give one row each)."""
    today = today or clock.today()
    rows = db.session.execute(_roadmap_statement(), {"org": organisation_id}).all()
    if not rows:
        return RoadmapView(None, [])
    roadmap = rows[0][0]
    axes: dict[int, Axis] = {}
    objectives: dict[int, Objective] = {}
    by_objective: dict[int, list[IndicatorView]] = {}
    for _roadmap, axis, obj, ind, value, measured_on in rows:
        if axis is not None:
            axes.setdefault(axis.id, axis)
        if obj is not None:
            objectives.setdefault(obj.id, obj)
        if ind is not None:
            by_objective.setdefault(ind.objective_id, []).append(
                IndicatorView(ind, value, measured_on))
    views = {a_id: AxisView(a) for a_id, a in axes.items()}
    for obj in sorted(objectives.values(), key=lambda o: o.id):
        inds = by_objective.get(obj.id, [])
        ind_rows = [i.row for i in inds]
        views[obj.axis_id].objectives.append(ObjectiveView(
            objective=obj,
            indicators=inds,
            progress=rules.objective_progress(obj.status, obj.manual_progress, ind_rows),
            source=rules.progress_source(obj.status, ind_rows),
            late=rules.objective_late(obj.status, obj.target_date, today),
        ))
    return RoadmapView(roadmap, list(views.values()))


@functools.cache
def _roadmap_statement():
    """The statement of `load_roadmap`, built once per process (bound parameter)."""
    latest = _latest_value_id()
    return (
        select(Roadmap, Axis, Objective, Indicator, IndicatorValue.value,
               IndicatorValue.measured_on)
        .outerjoin(Axis, Axis.roadmap_id == Roadmap.id)
        .outerjoin(Objective, Objective.axis_id == Axis.id)
        .outerjoin(Indicator, Indicator.objective_id == Objective.id)
        .outerjoin(IndicatorValue, IndicatorValue.id == latest)
        .where(Roadmap.organisation_id == bindparam("org"))
        .options(joinedload(Objective.owner))
        .order_by(Axis.position, Axis.id, Objective.id, Indicator.id)
    )


def objective_detail(objective: Objective, today: date | None = None):
    """One objective with its indicators (all values), its figure and its history."""
    today = today or clock.today()
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.objective_id == objective.id)
        .options(selectinload(Indicator.values)).order_by(Indicator.id)
    ).all()
    views = []
    for ind in indicators:
        last = ind.values[-1] if ind.values else None
        views.append(IndicatorView(ind, last.value if last else None,
                                   last.measured_on if last else None))
    rows = [v.row for v in views]
    ov = ObjectiveView(
        objective=objective, indicators=views,
        progress=rules.objective_progress(objective.status, objective.manual_progress, rows),
        source=rules.progress_source(objective.status, rows),
        late=rules.objective_late(objective.status, objective.target_date, today),
    )
    history = db.session.scalars(
        select(ObjectiveHistory).where(ObjectiveHistory.objective_id == objective.id)
        .options(joinedload(ObjectiveHistory.actor))
        .order_by(ObjectiveHistory.at.desc(), ObjectiveHistory.id.desc())
    ).all()
    return ov, history


def objective_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(id, 'Axe — objectif') of the objectives of a collectivité, for forms
    (abandoned ones are marked, so that existing links stay valid)."""
    rows = db.session.execute(
        select(Objective.id, Objective.title, Objective.status, Axis.title.label("axis"))
        .join(Axis, Axis.id == Objective.axis_id)
        .where(Objective.organisation_id == organisation_id)
        .order_by(Axis.position, Axis.id, Objective.id)
    ).all()
    abandoned = _("(abandonné)")
    return [(r.id, f"{r.axis} — {r.title}"
             + (f" {abandoned}" if r.status == ObjectiveStatus.ABANDONED else ""))
            for r in rows]


def published_organisations() -> list:
    """Collectivités whose roadmap is public (open data), by name: one query."""
    from change_portal.organisations.models import Organisation

    return list(db.session.execute(
        select(Organisation.slug, Organisation.name, Organisation.kind)
        .where(Organisation.roadmap_published.is_(True)).order_by(Organisation.name)
    ).all())


def indicator_units(organisation_id: int, objective_ids) -> dict[tuple[int, str], str]:
    """(objective id, indicator name) → unit, for the objectives given: one query."""
    ids = list(set(objective_ids))  # queried even when empty: a constant count per page
    rows = db.session.execute(
        select(Indicator.objective_id, Indicator.name, Indicator.unit)
        .join(Objective, Objective.id == Indicator.objective_id)
        .where(Objective.organisation_id == organisation_id, Indicator.objective_id.in_(ids))
    ).all()
    return {(oid, name): unit for oid, name, unit in rows}
