"""Helpers shared by the project views: loading with visibility, form choices."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.accounts import queries as account_queries
from change_portal.core.permissions import Role
from change_portal.core.tenancy import all_or_404, get_or_404
from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper
from change_portal.organisations import queries as organisation_queries
from change_portal.organisations.models import Service
from change_portal.projects import access
from change_portal.projects.models import Project
from change_portal.roadmap.models import Objective
from change_portal.roadmap.queries import objective_choices


def visible_project_or_404(project_id: int) -> Project:
    """A project of the current collectivité that the user may read, else 404."""
    return ensure_visible(get_or_404(Project, project_id))


def ensure_visible(project: Project | None) -> Project:
    """`project` if the user may read it, else 404."""
    if project is None or not access.can_see(current_user, project):
        abort(404)
    return project


def service_choices() -> list[tuple[int, str]]:
    return organisation_queries.service_choices(current_user.organisation_id)


def lead_choices() -> list[tuple[int, str]]:
    leads = account_queries.members_with_role(current_user.organisation_id,
                                              Role.PROJECT_LEAD.value)
    return [(0, _("— Aucun —"))] + [(u.id, u.full_name) for u in leads]


def objectives_choices() -> list[tuple[int, str]]:
    return objective_choices(current_user.organisation_id)


def rows_of(model, ids) -> list:
    """Rows of the current collectivité with these ids; an id from elsewhere is a 404."""
    return all_or_404(model, ids, current_user.organisation_id)


def services_from(ids) -> list[Service]:
    return rows_of(Service, ids)


def objectives_from(ids) -> list[Objective]:
    return rows_of(Objective, ids)
