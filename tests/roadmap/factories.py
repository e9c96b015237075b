"""create_<thing> helpers of the roadmap and projects domains (flush, never commit)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import services as project_services
from change_portal.projects.models import (
    Action,
    Concern,
    Position,
    PositionChange,
    Project,
    ProjectStatusChange,
    Proposal,
)
from change_portal.roadmap.models import (
    Axis,
    Indicator,
    IndicatorValue,
    Objective,
    ReportJob,
    Roadmap,
)


def create_roadmap(org, title="Schéma numérique", start=2026, end=2030) -> Roadmap:
    """The roadmap of `org` (created when it has none: one per collectivité)."""
    existing = db.session.scalar(select(Roadmap).where(Roadmap.organisation_id == org.id))
    if existing is not None:
        return existing
    roadmap = Roadmap(organisation_id=org.id, title=title, start_year=start, end_year=end)
    db.session.add(roadmap)
    db.session.flush()
    return roadmap


def create_axis(roadmap, title="Relation aux usagers", position=0) -> Axis:
    axis = Axis(organisation_id=roadmap.organisation_id, roadmap_id=roadmap.id, title=title,
                position=position)
    db.session.add(axis)
    db.session.flush()
    return axis


def create_objective(axis, title="Objectif", status="en_cours", weight=1, manual_progress=0,
                     target_date=None, owner=None) -> Objective:
    obj = Objective(organisation_id=axis.organisation_id, axis_id=axis.id, title=title,
                    status=status, weight=weight, manual_progress=manual_progress,
                    target_date=target_date, owner_id=owner.id if owner else None)
    db.session.add(obj)
    db.session.flush()
    return obj


def create_indicator(objective, baseline=0.0, target=100.0, values=(), name="Indicateur",
                     unit="%") -> Indicator:
    ind = Indicator(organisation_id=objective.organisation_id, objective_id=objective.id,
                    name=name, unit=unit, baseline=baseline, target=target)
    db.session.add(ind)
    db.session.flush()
    start = date(2026, 1, 1)
    for i, v in enumerate(values):
        db.session.add(IndicatorValue(organisation_id=objective.organisation_id,
                                      indicator_id=ind.id, value=v,
                                      measured_on=start + timedelta(days=30 * i)))
    db.session.flush()
    return ind


def create_project(org, title="Projet", services=(), lead=None, status="en_cours",
                   objectives=()) -> Project:
    project = Project(organisation_id=org.id, title=title, status=status,
                      lead_id=lead.id if lead else None)
    project.services = list(services)
    project.objectives = list(objectives)
    db.session.add(project)
    db.session.flush()
    db.session.add(ProjectStatusChange(organisation_id=org.id, project_id=project.id,
                                       to_status=status, at=utcnow()))
    db.session.flush()
    return project


def create_action(project, objectives, title="Atelier", kind="atelier", status="prevue",
                  planned_on=None, minutes="") -> Action:
    action = Action(organisation_id=project.organisation_id, project_id=project.id,
                    kind=kind, title=title, status=status,
                    planned_on=planned_on or date.today() + timedelta(days=5),
                    minutes=minutes, minutes_html=f"<p>{minutes}</p>" if minutes else "")
    action.objectives = list(objectives)
    db.session.add(action)
    db.session.flush()
    return action


def create_concern(action, text="Inquiétude", answer=None) -> Concern:
    c = Concern(organisation_id=action.organisation_id, action_id=action.id, text=text,
                answer=answer)
    db.session.add(c)
    db.session.flush()
    return c


def create_proposal(project, title="Proposition", days=7, hide_results=False) -> Proposal:
    p = Proposal(organisation_id=project.organisation_id, project_id=project.id, title=title,
                 closes_at=utcnow() + timedelta(days=days), hide_results=hide_results)
    db.session.add(p)
    db.session.flush()
    return p


def create_position(proposal, user, stance="accord", reason="Parce que") -> Position:
    pos = Position(organisation_id=proposal.organisation_id, proposal_id=proposal.id,
                   user_id=user.id, stance=stance, reason=reason)
    db.session.add(pos)
    db.session.add(PositionChange(organisation_id=proposal.organisation_id,
                                  proposal_id=proposal.id, user_id=user.id, stance=stance,
                                  reason=reason, at=utcnow()))
    db.session.flush()
    project_services.recount_stances([proposal.id])  # the stored meter, as the service does
    return pos


def create_report_job(org, kind="pdf", status="failed") -> ReportJob:
    job = ReportJob(organisation_id=org.id, kind=kind, status=status,
                    content=b"%PDF-1.4 test" if status == "done" else None)
    db.session.add(job)
    db.session.flush()
    return job


class QueryCounter:
    """Counts SQL statements sent while active (use as a context manager)."""

    def __init__(self):
        self.count = 0

    def _hook(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._hook)


def queries_for(client, url: str) -> int:
    client.get(url)  # warm-up: caches, lazy imports
    with QueryCounter() as counter:
        resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return counter.count


def populate(org, n: int, agents=(), service=None):
    """n projects, each with 2 actions (one done with a concern, one late), an
    objective with an indicator, a proposal and positions from `agents`."""
    roadmap = create_roadmap(org)
    axis = create_axis(roadmap, title=f"Axe {n}")
    for i in range(n):
        obj = create_objective(axis, title=f"Objectif {n}-{i}", target_date=date(2020, 1, 1))
        create_indicator(obj, values=[10, 20])
        project = create_project(org, title=f"Projet {n}-{i}",
                                 services=[service] if service else [], objectives=[obj])
        done = create_action(project, [obj], status="realisee", planned_on=date(2026, 1, 5),
                             minutes="Compte rendu")
        create_concern(done)
        create_action(project, [obj], planned_on=date(2020, 1, 1))
        create_action(project, [obj])
        proposal = create_proposal(project)
        for j, agent in enumerate(agents):
            create_position(proposal, agent, stance=["accord", "reserves", "blocage"][j % 3])
