"""Helpers shared by the project views: loading with visibility, form choices."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from change_portal.accounts.models import User, UserRole
from change_portal.core.permissions import Role
from change_portal.core.tenancy import current_organisation_id, get_or_404
from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper
from change_portal.extensions import db
from change_portal.organisations import queries as organisation_queries
from change_portal.organisations.models import Service
from change_portal.projects import access
from change_portal.projects.models import Project
from change_portal.roadmap.models import Objective
from change_portal.roadmap.queries import objective_choices


def visible_project_or_404(project_id: int, *, for_page: bool = False) -> Project:
    """A project of the current collectivité that the user may read, else 404.
    `for_page`: with what the project page shows of it (lead, services, objectives)
    in the same statement."""
    if for_page:
        project = db.session.execute(
            select(Project).where(Project.id == project_id,
                                  Project.organisation_id == current_organisation_id())
            .options(joinedload(Project.lead), joinedload(Project.services),
                     joinedload(Project.objectives))
        ).unique().scalar_one_or_none()
        if project is None:
            abort(404)
    else:
        project = get_or_404(Project, project_id)
    if not access.can_see(current_user, project):
        abort(404)
    return project


def service_choices() -> list[tuple[int, str]]:
    return organisation_queries.service_choices(current_user.organisation_id)


def lead_choices() -> list[tuple[int, str]]:
    leads = db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.organisation_id == current_user.organisation_id,
               UserRole.role == Role.PROJECT_LEAD.value, User.active.is_(True),
               User.erased_at.is_(None))
        .order_by(User.full_name)
    ).all()
    return [(0, _("— Aucun —"))] + [(u.id, u.full_name) for u in leads]


def objectives_choices() -> list[tuple[int, str]]:
    return objective_choices(current_user.organisation_id)


def rows_of(model, ids) -> list:
    """Rows of the current collectivité with these ids; an id from elsewhere is a 404."""
    ids = sorted({int(i) for i in ids or []})
    if not ids:
        return []
    rows = db.session.scalars(
        select(model).where(model.id.in_(ids),
                            model.organisation_id == current_user.organisation_id)).all()
    if len(rows) != len(ids):
        abort(404)
    return list(rows)


def services_from(ids) -> list[Service]:
    return rows_of(Service, ids)


def objectives_from(ids) -> list[Objective]:
    return rows_of(Objective, ids)
