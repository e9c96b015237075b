"""Every write of the projects domain: projects, actions, concerns, comments,
proposals and positions. Functions take the acting user, flush, never commit,
and raise DomainError with a message for people."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from change_portal.core.audit import record
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.labels import label
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects import access
from change_portal.projects.models import (
    ACTION_TYPE_LABELS,
    Action,
    ActionStatus,
    ActionType,
    Concern,
    Position,
    PositionChange,
    Project,
    ProjectComment,
    ProjectStatus,
    ProjectStatusChange,
    Proposal,
    Stance,
)
from change_portal.roadmap.models import Objective

TITLE_MAX = 200
TEXT_MAX = 20_000


def _require_lead(actor) -> None:
    if not access.can_run(actor):
        raise NotAllowed(_("Seuls les chefs de projet peuvent faire cela."))


def _title(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Indiquez un titre."), field="title")
    if len(value) > TITLE_MAX:
        raise DomainError(_("Ce titre est trop long : %(n)d caractères au plus.", n=TITLE_MAX),
                          field="title")
    return value


def _text(value: str | None, field: str, required: bool = False, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(message or _("Ce champ est obligatoire."), field=field)
    if len(value) > TEXT_MAX:
        raise DomainError(_("Ce texte est trop long : 20 000 caractères au plus."), field=field)
    return value


def _same_org(rows, organisation_id: int, field: str) -> list:
    rows = list(rows or [])
    if any(r.organisation_id != organisation_id for r in rows):
        raise DomainError(_("Un des éléments choisis n'appartient pas à votre collectivité."),
                          field=field)
    return rows


def _dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise DomainError(_("La date de fin doit être égale ou postérieure à la date de début."),
                          field="end_date")


def _set_status(actor, project: Project, status: str) -> None:
    if status not in {s.value for s in ProjectStatus}:
        raise DomainError(_("Choisissez un statut dans la liste."), field="status")
    old = project.status
    if old == status:
        return
    project.status = status
    db.session.flush()
    db.session.add(ProjectStatusChange(
        organisation_id=project.organisation_id, project_id=project.id,
        actor_id=actor.id, at=utcnow(), from_status=old, to_status=status))


def save_project(actor, organisation_id: int, *, title: str, description: str = "",
                 services: list[Service] | None = None, lead=None,
                 status: str = ProjectStatus.IDEA, start_date: date | None = None,
                 end_date: date | None = None, objectives: list[Objective] | None = None,
                 project: Project | None = None) -> Project:
    """Create or update a project; a status change is appended to its history."""
    _require_lead(actor)
    title = _title(title)
    description = _text(description, "description")
    _dates(start_date, end_date)
    services = _same_org(services, organisation_id, "service_ids")
    objectives = _same_org(objectives, organisation_id, "objective_ids")
    if lead is not None and lead.organisation_id != organisation_id:
        raise DomainError(_("Choisissez un chef de projet de votre collectivité."),
                          field="lead_id")
    new = project is None
    if new:
        if status not in {s.value for s in ProjectStatus}:
            raise DomainError(_("Choisissez un statut dans la liste."), field="status")
        project = Project(organisation_id=organisation_id, status=status)
        db.session.add(project)
    project.title = title
    project.description = description
    project.description_html = render_markdown(description)
    project.lead_id = lead.id if lead else None
    project.start_date, project.end_date = start_date, end_date
    project.services = services
    project.objectives = objectives
    if new:
        db.session.flush()
        db.session.add(ProjectStatusChange(
            organisation_id=organisation_id, project_id=project.id, actor_id=actor.id,
            at=utcnow(), from_status=None, to_status=status))
    else:
        try:
            _set_status(actor, project, status)
            db.session.flush()
        except StaleDataError:
            raise DomainError(_("Quelqu'un a enregistré ce projet au même moment. Vos "
                                "modifications n'ont pas été enregistrées : rechargez la "
                                "page, puis refaites-les."), field="title") from None
    db.session.flush()
    record("project.saved", actor=actor, target=project)
    return project


def add_comment(actor, project: Project, body: str) -> ProjectComment:
    """Elected officials (and leads, admins) comment on a project."""
    if not access.can_comment(actor):
        raise NotAllowed(_("Vous ne pouvez pas commenter ce projet."))
    body = _text(body, "body", required=True, message=_("Écrivez votre commentaire."))
    comment = ProjectComment(organisation_id=project.organisation_id, project_id=project.id,
                             author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def save_action(actor, project: Project, *, kind: str, title: str, planned_on: date | None,
                status: str = ActionStatus.PLANNED, participants: int = 0,
                services: list[Service] | None = None,
                objectives: list[Objective] | None = None, minutes: str = "",
                action: Action | None = None) -> Action:
    """Create or update a consensus-building action. It must serve at least one
    roadmap objective of the collectivité."""
    _require_lead(actor)
    if kind not in {k.value for k in ActionType}:
        raise DomainError(_("Choisissez un type d'action dans la liste."), field="kind")
    if status not in {s.value for s in ActionStatus}:
        raise DomainError(_("Choisissez un statut dans la liste."), field="status")
    title = _title(title)
    if planned_on is None:
        raise DomainError(_("Indiquez la date prévue."), field="planned_on")
    try:
        participants = int(participants or 0)
    except (TypeError, ValueError):
        participants = -1
    if not 0 <= participants <= 100_000:
        raise DomainError(_("Indiquez un nombre de participants entre 0 et 100 000."),
                          field="participants")
    objectives = _same_org(objectives, project.organisation_id, "objective_ids")
    if not objectives:
        raise DomainError(_("Reliez l'action à au moins un objectif de la feuille de route : "
                            "c'est ce qui montre à quoi elle sert."), field="objective_ids")
    services = _same_org(services, project.organisation_id, "service_ids")
    minutes = _text(minutes, "minutes")
    if action is None:
        action = Action(organisation_id=project.organisation_id, project_id=project.id)
        db.session.add(action)
    action.kind, action.title, action.planned_on = kind, title, planned_on
    action.status, action.participants = status, participants
    action.minutes, action.minutes_html = minutes, render_markdown(minutes)
    action.objectives, action.services = objectives, services
    db.session.flush()
    return action


def raise_concern(actor, action: Action, text: str) -> Concern:
    """An agent (or anyone who reads the project) records a worry."""
    text = _text(text, "text", required=True, message=_("Décrivez l'inquiétude."))
    concern = Concern(organisation_id=action.organisation_id, action_id=action.id, text=text,
                      raised_by_id=actor.id)
    db.session.add(concern)
    db.session.flush()
    return concern


def answer_concern(actor, concern: Concern, answer: str) -> Concern:
    """A project lead answers a concern (an answer can be completed later)."""
    _require_lead(actor)
    concern.answer = _text(answer, "answer", required=True, message=_("Écrivez la réponse."))
    concern.answered_by_id, concern.answered_at = actor.id, utcnow()
    db.session.flush()
    return concern


def open_proposal(actor, project: Project, *, title: str, body: str = "",
                  closes_at: datetime | None, hide_results: bool = False,
                  now: datetime | None = None) -> Proposal:
    """A lead submits a proposal to the agents of the project's services."""
    _require_lead(actor)
    now = now or utcnow()
    title = _title(title)
    body = _text(body, "body")
    if closes_at is None:
        raise DomainError(_("Indiquez la date de clôture."), field="closes_at")
    if closes_at <= now:
        raise DomainError(_("La date de clôture doit être dans le futur."), field="closes_at")
    proposal = Proposal(organisation_id=project.organisation_id, project_id=project.id,
                        title=title, body=body, body_html=render_markdown(body),
                        closes_at=closes_at, hide_results=bool(hide_results),
                        created_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def close_proposal(actor, proposal: Proposal, now: datetime | None = None) -> None:
    """Close a proposal now (positions can no longer change)."""
    _require_lead(actor)
    now = now or utcnow()
    if proposal.is_open(now):
        proposal.closes_at = now
        db.session.flush()


def write_outcome(actor, proposal: Proposal, outcome: str) -> None:
    _require_lead(actor)
    proposal.outcome = _text(outcome, "outcome", required=True,
                             message=_("Écrivez la décision prise."))
    db.session.flush()


def may_position(actor, project: Project) -> bool:
    """Agents (role agent) of the services concerned give positions."""
    return (actor.has_role(Role.AGENT) and actor.service_id is not None
            and any(s.id == actor.service_id for s in project.services))


def give_position(actor, proposal: Proposal, *, stance: str, reason: str,
                  now: datetime | None = None) -> Position:
    """Give or change a position while the proposal is open; every change is kept."""
    now = now or utcnow()
    project = proposal.project
    if not may_position(actor, project):
        raise NotAllowed(_("Seuls les agents des services concernés par le projet donnent "
                           "une position."))
    if not proposal.is_open(now):
        raise DomainError(_("Cette proposition est close depuis le %(d)s : les positions ne "
                            "peuvent plus changer.", d=proposal.closes_at.strftime("%d/%m/%Y")),
                          field="stance")
    if stance not in {s.value for s in Stance}:
        raise DomainError(_("Choisissez une position dans la liste."), field="stance")
    reason = _text(reason, "reason", required=True,
                   message=_("Expliquez votre position en quelques mots : c'est ce qui permet "
                             "d'en tenir compte."))
    position = db.session.query(Position).filter_by(proposal_id=proposal.id,
                                                    user_id=actor.id).one_or_none()
    previous = None if position is None else position.stance
    if position is None:
        position = Position(organisation_id=proposal.organisation_id, proposal_id=proposal.id,
                            user_id=actor.id)
        db.session.add(position)
    position.stance, position.reason = stance, reason
    _count_stance(proposal, previous, stance)
    db.session.add(PositionChange(organisation_id=proposal.organisation_id,
                                  proposal_id=proposal.id, user_id=actor.id, stance=stance,
                                  reason=reason, at=now))
    db.session.flush()
    return position


def _count_stance(proposal: Proposal, previous: str | None, stance: str) -> None:
    """Move one position from `previous` (None: a new one) to `stance` in the
    proposal's stored meter, as an UPDATE of `col = col ± 1` in the caller's
    transaction (two agents answering at once both count)."""
    if previous == stance:
        return
    values = {f"positions_{stance}": getattr(Proposal, f"positions_{stance}") + 1}
    if previous in {s.value for s in Stance}:  # None: a first position
        values[f"positions_{previous}"] = getattr(Proposal, f"positions_{previous}") - 1
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(**values),
                       execution_options={"synchronize_session": False})
    db.session.expire(proposal, list(values))


def recount_stances(proposal_ids: list[int] | None = None) -> None:
    """Recompute the stored meters from the current positions (all proposals, or
    those given): the benchmark's generator and a repair after a manual change."""
    for stance in (s.value for s in Stance):
        column = f"positions_{stance}"
        stmt = update(Proposal).values({column: (
            select(func.count(Position.id)).where(Position.proposal_id == Proposal.id,
                                                  Position.stance == stance)
            .scalar_subquery())})
        if proposal_ids is not None:
            stmt = stmt.where(Proposal.id.in_(proposal_ids))
        db.session.execute(stmt, execution_options={"synchronize_session": False})


def draft_plan(actor, project: Project, kinds: list[str], start: date) -> list[Action]:
    """A plan of planned consensus-building actions of the given types, one a week
    from `start`, for a project made from another collectivité's fiche. They serve
    no objective yet: the lead links them when editing each (save_action requires it)."""
    _require_lead(actor)
    actions = []
    for week, kind in enumerate(k for k in kinds if k in {t.value for t in ActionType}):
        action = Action(organisation_id=project.organisation_id, project_id=project.id,
                        kind=kind, title=label(ACTION_TYPE_LABELS, kind),
                        planned_on=start + timedelta(weeks=week + 1),
                        status=ActionStatus.PLANNED, participants=0)
        db.session.add(action)
        actions.append(action)
    db.session.flush()
    return actions
