"""Assignments of modules to services or agents, their reminders, and the
modules a project requires before go-live."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, select

from change_portal.accounts.models import User
from change_portal.core import audit, clock
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.mail import build_message, send_message
from change_portal.core.permissions import Role
from change_portal.extensions import db
from courses.models import (
    Assignment,
    AssignmentReminder,
    AssignmentUser,
    Completion,
    Module,
    ProjectModule,
)
from courses.queries import current_versions

ASSIGNER_ROLES = (Role.ADMIN, Role.PROJECT_LEAD, Role.TRAINER)
PROJECT_ROLES = (Role.ADMIN, Role.PROJECT_LEAD)
REMINDER_DAYS = 3


def _visible(actor, module: Module) -> bool:
    return module.organisation_id in (None, actor.organisation_id)


def assign_module(actor, module: Module, *, service=None, users=(), due_date: date | None = None,
                  today: date | None = None) -> Assignment:
    """Assign `module` to a service and/or chosen agents of the actor's collectivité."""
    if not any(actor.has_role(r) for r in ASSIGNER_ROLES):
        raise NotAllowed(_("Vous ne pouvez pas attribuer de module."))
    if not _visible(actor, module):
        raise DomainError(_("Module introuvable."), field="module_id")
    users = [u for u in users if u.organisation_id == actor.organisation_id]
    if service is not None and service.organisation_id != actor.organisation_id:
        raise DomainError(_("Service introuvable."), field="service_id")
    if service is None and not users:
        raise DomainError(_("Choisissez un service ou au moins un agent."), field="service_id")
    today = today or clock.today()
    if due_date is not None and not today <= due_date <= today + timedelta(days=3 * 366):
        raise DomainError(_("L'échéance doit être une date à venir (3 ans au plus)."),
                          field="due_date")
    assignment = Assignment(organisation_id=actor.organisation_id, module_id=module.id,
                            service_id=service.id if service else None, due_date=due_date,
                            created_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    for user in dict.fromkeys(users):
        db.session.add(AssignmentUser(assignment_id=assignment.id, user_id=user.id))
    db.session.flush()
    audit.record("course.assigned", actor=actor, target=assignment, module=module.id)
    return assignment


def delete_assignment(actor, assignment: Assignment) -> None:
    if not any(actor.has_role(r) for r in ASSIGNER_ROLES):
        raise NotAllowed(_("Vous ne pouvez pas retirer cette attribution."))
    audit.record("course.unassigned", actor=actor, target=assignment)
    db.session.delete(assignment)
    db.session.flush()


def assignees_stmt():
    """(assignment id, user id) of every active agent an assignment targets."""
    by_service = (
        select(Assignment.id.label("assignment_id"), User.id.label("user_id"))
        .join(User, and_(User.service_id == Assignment.service_id,
                         User.organisation_id == Assignment.organisation_id))
        .where(User.active.is_(True), User.erased_at.is_(None))
    )
    by_user = (
        select(AssignmentUser.assignment_id, AssignmentUser.user_id)
        .join(User, User.id == AssignmentUser.user_id)
        .where(User.active.is_(True), User.erased_at.is_(None))
    )
    return by_service.union(by_user)


def send_reminders(now: datetime, days: int = REMINDER_DAYS) -> int:
    """Email every assignee whose module is due within `days` days and not
    completed yet. Once per assignment and user: a reminder row marks it."""
    today = now.date()
    targets = assignees_stmt().subquery()
    rows = db.session.execute(
        select(Assignment, User)
        .join(targets, targets.c.assignment_id == Assignment.id)
        .join(User, User.id == targets.c.user_id)
        .outerjoin(AssignmentReminder, and_(AssignmentReminder.assignment_id == Assignment.id,
                                            AssignmentReminder.user_id == User.id))
        .outerjoin(Completion, and_(Completion.module_id == Assignment.module_id,
                                    Completion.user_id == User.id))
        .where(Assignment.due_date.is_not(None), Assignment.due_date >= today,
               Assignment.due_date <= today + timedelta(days=days),
               AssignmentReminder.user_id.is_(None), Completion.id.is_(None),
               User.email.is_not(None))
    ).all()
    sent = 0
    for assignment, user in rows:
        version = current_versions([assignment.module_id]).get(assignment.module_id)
        if version is None:
            continue
        with force_locale(user.locale or "fr"):
            msg = build_message(
                user.email,
                _("Rappel : module « %(t)s » à terminer", t=version.title),
                render_template("courses/email_reminder.txt", user=user, version=version,
                                assignment=assignment),
            )
        send_message(msg, key=f"course-reminder-{assignment.id}-{user.id}")
        db.session.add(AssignmentReminder(assignment_id=assignment.id, user_id=user.id,
                                          sent_at=now))
        db.session.flush()
        sent += 1
    return sent


def add_required_module(actor, project, module: Module) -> ProjectModule:
    """Make `module` required for the agents of `project`'s services."""
    if not any(actor.has_role(r) for r in PROJECT_ROLES):
        raise NotAllowed(_("Seuls les chefs de projet et les administrateurs peuvent faire ça."))
    if project.organisation_id != actor.organisation_id or not _visible(actor, module):
        raise DomainError(_("Module introuvable."), field="module_id")
    row = db.session.get(ProjectModule, (project.id, module.id))
    if row is None:
        row = ProjectModule(project_id=project.id, module_id=module.id,
                            organisation_id=project.organisation_id)
        db.session.add(row)
        db.session.flush()
        audit.record("course.required_for_project", actor=actor, target=project,
                     module=module.id)
    return row


def remove_required_module(actor, project, module_id: int) -> None:
    if not any(actor.has_role(r) for r in PROJECT_ROLES):
        raise NotAllowed(_("Seuls les chefs de projet et les administrateurs peuvent faire ça."))
    row = db.session.get(ProjectModule, (project.id, module_id))
    if row is not None and row.organisation_id == actor.organisation_id:
        db.session.delete(row)
        db.session.flush()
        audit.record("course.not_required_for_project", actor=actor, target=project,
                     module=module_id)

