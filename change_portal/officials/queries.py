"""Reads of the elected officials' dashboard that combine roadmap and projects
(officials is the layer allowed to import both): the projects with their meters,
and what changed since the last visit, each in one statement."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import load_only

from change_portal.core.labels import label
from change_portal.core.models import UTCDateTime, utcnow
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.projects import queries as project_queries
from change_portal.projects.models import (
    PROJECT_STATUS_LABELS,
    Project,
    ProjectStatus,
    ProjectStatusChange,
    Proposal,
    Stance,
)
from change_portal.roadmap.models import OBJECTIVE_STATUS_LABELS, Objective, ObjectiveHistory

STANCES = [s.value for s in Stance]


def dashboard_project_rows(organisation_id: int, limit: int,
                           now: datetime | None = None) -> list[project_queries.ProjectRow]:
    """The first `limit` projects (not abandoned, by title) with their consensus meter
    summed in SQL from the counts stored on each proposal, and their unanswered
    concerns: one statement, plus one for the readiness (courses hook).

    The sums follow `projects.queries.add_stored_counts`: positions on an open
    proposal whose results are hidden count only in `hidden`; blocks are the blocking
    positions of proposals without an outcome. The dashboard shows no chart and no
    figure per proposal, so `series` and `by_proposal` stay empty."""
    listed = db.session.execute(_project_rows_statement(), {
        "now": now or utcnow(), "org": organisation_id, "limit": limit}).all()
    projects = [r[0] for r in listed]
    ready = project_queries.hook_values("project.readiness_many", projects)
    rows = []
    for r in listed:
        m = r._mapping
        meter = project_queries.Meter(
            current=Counter({s: n for s in STANCES if (n := m[f"cur_{s}"] or 0)}),
            closed=Counter({s: n for s in STANCES if (n := m[f"closed_{s}"] or 0)}),
            blocks=int(m["blocks"] or 0), unanswered=int(m["unanswered"] or 0),
            hidden=int(m["hidden"] or 0))
        project = r[0]
        rows.append(project_queries.ProjectRow(project, {}, meter, ready.get(project.id), None))
    return rows


# Built once per process with bound parameters: building it (a grouped subquery of
# eleven sums) cost more CPU than running it.
@functools.cache
def _project_rows_statement():
    now, org = bindparam("now", type_=UTCDateTime()), bindparam("org")
    is_open = Proposal.closes_at > now
    hidden = and_(Proposal.hide_results.is_(True), is_open)

    def total(when, column):
        return func.coalesce(func.sum(case((when, column), else_=0)), 0)

    # The listed projects first, so that only their proposals are summed (not every
    # proposal of the collectivité).
    listed = (select(Project.id).where(of_tenant(Project, org),
                                       Project.status != ProjectStatus.ABANDONED)
              .order_by(func.lower(Project.title), Project.id).limit(bindparam("limit"))
              .cte("listed"))
    stance_cols = {s: getattr(Proposal, f"positions_{s}") for s in STANCES}
    sums = (
        select(
            Proposal.project_id.label("pid"),
            *(total(and_(is_open, ~hidden), col).label(f"cur_{s}")
              for s, col in stance_cols.items()),
            *(total(~is_open, col).label(f"closed_{s}") for s, col in stance_cols.items()),
            total(hidden, sum(stance_cols.values())).label("hidden"),
            total(and_(~hidden, Proposal.outcome.is_(None)),
                  stance_cols[Stance.BLOCK.value]).label("blocks"),
        )
        .join(listed, listed.c.id == Proposal.project_id)
        .group_by(Proposal.project_id)
        .subquery()
    )
    return (select(Project, project_queries.unanswered_count_column().label("unanswered"), sums)
            # The page shows the title and status only: the description and its HTML
            # (2.7 kB per project at full scale) are not read, decoded nor kept.
            .options(load_only(Project.id, Project.title, Project.status,
                               Project.organisation_id, Project.version))
            .join(listed, listed.c.id == Project.id)
            .outerjoin(sums, sums.c.pid == Project.id)
            .order_by(func.lower(Project.title), Project.id))

@dataclass
class _Target:
    title: str


@dataclass
class ObjectiveChange:
    """A row of an objective's history, as `roadmap.changes.summarise` reads it."""

    objective_id: int
    objective: _Target
    at: datetime
    kind: str
    label: str
    to_value: str

    @property
    def to_label(self) -> str:
        if self.kind != "status":
            return self.to_value
        return label(OBJECTIVE_STATUS_LABELS, self.to_value)


@dataclass
class ProjectChange:
    """A project's status change, as `roadmap.changes.summarise` reads it."""

    project_id: int
    project: _Target
    at: datetime
    to_status: str

    @property
    def to_label(self) -> str:
        return label(PROJECT_STATUS_LABELS, self.to_status)


def changes_since(organisation_id: int, since: datetime | None, limit: int
                  ) -> tuple[list[ObjectiveChange], list[ProjectChange]]:
    """The latest `limit` changes of the objectives and the latest `limit` status
    changes of the projects since `since` (all when None), newest first, with the
    title of what changed: one statement (a UNION of the two bounded lists)."""

    params = {"org": organisation_id, "limit": limit}
    if since is not None:
        params["since"] = since
    rows = db.session.execute(_changes_statement(since is not None), params).all()
    rows.sort(key=lambda r: (r.at, r.id), reverse=True)
    history = [ObjectiveChange(r.target_id, _Target(r.title), r.at, r.kind, r.label, r.value)
               for r in rows if r.source == "objective"]
    status = [ProjectChange(r.target_id, _Target(r.title), r.at, r.value)
              for r in rows if r.source == "project"]
    return history, status


@functools.cache
def _changes_statement(with_since: bool):
    """The UNION of `changes_since`, built once per process (bound parameters)."""
    org, limit = bindparam("org"), bindparam("limit")
    since = bindparam("since", type_=UTCDateTime())

    def part(source, model, target, target_id, kind, label_col, value):
        stmt = (select(literal(source).label("source"), model.id.label("id"),
                       target_id.label("target_id"), target.title.label("title"),
                       model.at.label("at"), kind.label("kind"), label_col.label("label"),
                       value.label("value"))
                .join(target, target.id == target_id)
                .where(of_tenant(model, org))
                .order_by(model.at.desc(), model.id.desc()).limit(limit))
        if with_since:
            stmt = stmt.where(model.at > since)
        return select(stmt.subquery())

    return union_all(
        part("objective", ObjectiveHistory, Objective, ObjectiveHistory.objective_id,
             ObjectiveHistory.kind, ObjectiveHistory.label, ObjectiveHistory.to_value),
        part("project", ProjectStatusChange, Project, ProjectStatusChange.project_id,
             literal("status"), literal(""), ProjectStatusChange.to_status),
    )
