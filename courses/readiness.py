"""Readiness of projects from the courses: the modules a project requires, the agents
of its services, and how many of them completed every required module (one statement
for any number of projects). What the `project.readiness*` hooks and the project
page's panel answer (courses/hooks.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.projects.models import Project, project_service
from courses.models import Completion, Module, ModuleVersion, ProjectModule
from courses.queries import visible


def readiness_many(projects) -> dict[int, dict]:
    """For each project: required modules, active agents of its services, and
    how many completed every required module. One query for any number."""
    ids = [p.id for p in projects]
    if not ids:
        return {}
    rows = db.session.execute(_readiness_statement(), {"ids": ids}).all()
    return _readiness_of(projects, rows)


def project_panel_data(project, with_choices: bool) -> tuple[dict, list, list]:
    """The project page's panel in one statement: the project's readiness (as
    `readiness_many`), the modules it requires (module_id, title) and, `with_choices`,
    the other current modules its collectivité may require, by title."""
    rows = db.session.execute(_panel_statement(with_choices), {
        "ids": [project.id], "project_id": project.id, "org": project.organisation_id}).all()
    listed = [r for r in rows if r.part == "m"]
    required = [_ModuleChoice(r.pid, r.title) for r in listed if r.oid]
    choices = [_ModuleChoice(r.pid, r.title) for r in listed if not r.oid]
    return _readiness_of([project], [r for r in rows if r.part != "m"])[project.id], \
        required, choices


# Both statements are built once per process with bound parameters: building them
# (subqueries, column collections) cost more CPU than running them.
@functools.cache
def _readiness_statement():
    return union_all(*_readiness_parts(bindparam("ids", expanding=True)))


@functools.cache
def _panel_statement(with_choices: bool):
    required_here = ProjectModule.project_id.isnot(None)
    modules = (
        select(literal("m").label("part"), ModuleVersion.module_id.label("pid"),
               case((required_here, 1), else_=0).label("oid"), literal(0).label("n"),
               literal(0).label("ready"), ModuleVersion.title.label("title"))
        .join(Module, Module.id == ModuleVersion.module_id)
        .outerjoin(ProjectModule, and_(ProjectModule.module_id == ModuleVersion.module_id,
                                       ProjectModule.project_id == bindparam("project_id")))
        .where(ModuleVersion.is_current.is_(True),
               or_(required_here, visible(bindparam("org"))) if with_choices
               else required_here))
    ids = bindparam("ids", expanding=True)
    return (union_all(*_readiness_parts(ids, titles=True), modules)
            .order_by(literal_column("title")))


@dataclass
class _ModuleChoice:
    module_id: int
    title: str


def _readiness_parts(ids, titles: bool = False) -> list[Select]:
    """The selects of the readiness statement (UNION ALL of one shape): the required
    counts ("r"), then per (project, collectivité) the agents ("a": total, 0) and
    those who completed every required module ("a": 0, ready). `titles` adds an empty
    title column (for a UNION with rows that have one).

    Nothing here walks every (project, agent) pair: the agents are counted per
    service (a project's agents are those of its services) and the ready ones are
    found from the completions of the required modules only, so the cost follows
    what is required and completed, not the size of the services (at full scale,
    50 projects × their services' agents made 24,000 pairs for a count)."""
    title = (cast(None, String).label("title"),) if titles else ()
    # The ids bound once (a CTE) rather than in each of the four places that filter
    # on them: 50 ids four times made a statement too long for the driver's cache of
    # parsed queries, parsed again at every request.
    listed = select(Project.id).where(Project.id.in_(ids)).cte("listed_ids")
    ids = select(listed.c.id)
    active = and_(User.active.is_(True), User.erased_at.is_(None))
    req = (select(ProjectModule.project_id.label("pid"), func.count().label("n"))
           .where(ProjectModule.project_id.in_(ids)).group_by(ProjectModule.project_id)
           .subquery())
    by_required = select(literal("r").label("part"), req.c.pid, literal(None).label("oid"),
                         req.c.n, literal(0), *title)
    # Active agents per (service, collectivité), for the services of the listed projects.
    per_service = (
        select(User.service_id.label("sid"), User.organisation_id.label("oid"),
               func.count().label("n"))
        .where(User.service_id.in_(select(project_service.c.service_id)
                                   .where(project_service.c.project_id.in_(ids))), active)
        .group_by(User.service_id, User.organisation_id).subquery()
    )
    # (project, service) is the key of project_service and a person has one service:
    # summing the services' counts counts each agent of a project once.
    by_agents = (
        select(literal("a").label("part"), project_service.c.project_id.label("pid"),
               per_service.c.oid, cast(func.sum(per_service.c.n), Integer).label("total"),
               literal(0).label("ready"), *title)
        .join(per_service, per_service.c.sid == project_service.c.service_id)
        .where(project_service.c.project_id.in_(ids))
        .group_by(project_service.c.project_id, per_service.c.oid)
    )
    # The people who completed every required module of a project (a completion is
    # unique per person and module), then those of them who are its active agents.
    done = (
        select(ProjectModule.project_id.label("pid"), Completion.user_id.label("uid"))
        .join(Completion, Completion.module_id == ProjectModule.module_id)
        .join(req, req.c.pid == ProjectModule.project_id)
        .where(ProjectModule.project_id.in_(ids))
        .group_by(ProjectModule.project_id, Completion.user_id, req.c.n)
        .having(func.count() == req.c.n).subquery()
    )
    by_ready = (
        select(literal("a").label("part"), done.c.pid, User.organisation_id.label("oid"),
               literal(0).label("total"), func.count().label("ready"), *title)
        .select_from(done).join(User, User.id == done.c.uid)
        .join(project_service, and_(project_service.c.project_id == done.c.pid,
                                    project_service.c.service_id == User.service_id))
        .where(active)
        .group_by(done.c.pid, User.organisation_id)
    )
    return [by_required, by_agents, by_ready]


def _readiness_of(projects, rows) -> dict[int, dict]:
    """The readiness dicts from the rows of `_readiness_parts`."""
    orgs = {p.id: p.organisation_id for p in projects}
    required: dict[int, int] = {}
    totals: dict[int, int] = {}
    ready: dict[int, int] = {}
    for part, pid, oid, total, n_ready, *_title in rows:
        if part == "r":
            required[pid] = total
        elif orgs.get(pid) == oid:
            totals[pid] = totals.get(pid, 0) + total
            ready[pid] = ready.get(pid, 0) + (n_ready or 0)
    result = {}
    for pid in orgs:
        total = totals.get(pid, 0)
        n_required = required.get(pid, 0)
        ready_agents = ready.get(pid, 0) if n_required else total
        result[pid] = {
            "required": n_required, "ready_agents": ready_agents, "total_agents": total,
            "percent": round(100.0 * ready_agents / total, 1) if total else 0.0,
        }
    return result
