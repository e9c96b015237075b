"""Who sees which project.

Decision (documented in README): project leads, elected officials and admins
read every project of their collectivité; any other member (agents, trainers)
reads the projects that concern them — their service is among the project's
services, or they lead it. Nobody sees another collectivité's projects.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.projects.models import Project, project_service

FULL_READERS = (Role.PROJECT_LEAD, Role.ELECTED, Role.ADMIN)


def reads_everything(user) -> bool:
    return any(user.has_role(r) for r in FULL_READERS)


def can_run(user) -> bool:
    """Project leads create and run projects, actions and proposals."""
    return user.has_role(Role.PROJECT_LEAD)


def can_comment(user) -> bool:
    return any(user.has_role(r) for r in (Role.ELECTED, Role.PROJECT_LEAD, Role.ADMIN))


def visible_filter(user):
    """A WHERE clause restricting Project rows to those `user` may read."""
    clause = of_tenant(Project, user.organisation_id)
    if reads_everything(user):
        return clause
    concerned = exists().where(project_service.c.project_id == Project.id,
                               project_service.c.service_id == user.service_id)
    return clause & or_(Project.lead_id == user.id,
                        concerned if user.service_id else Project.id.is_(None))


def visible_projects(user) -> Select:
    return select(Project).where(visible_filter(user))


def can_see(user, project: Project) -> bool:
    if project.organisation_id != user.organisation_id:
        return False
    if reads_everything(user) or project.lead_id == user.id:
        return True
    return user.service_id is not None and any(s.id == user.service_id for s in project.services)
