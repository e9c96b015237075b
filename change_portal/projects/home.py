"""The projects panel of the home page: open proposals awaiting your position."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.projects.models import Position, Project, Proposal, project_service


def proposals_panel(user) -> Markup | None:
    """Open proposals of projects of the user's service where they gave no position."""
    if getattr(user, "organisation_id", None) is None or not getattr(user, "service_id", None):
        return None
    if not user.has_role(Role.AGENT):
        return None  # only agents give positions
    waiting = db.session.scalars(
        select(Proposal).join(Project, Project.id == Proposal.project_id)
        .where(of_tenant(Proposal, user.organisation_id),
               Proposal.closes_at > utcnow(),
               exists().where(project_service.c.project_id == Project.id,
                              project_service.c.service_id == user.service_id),
               ~exists().where(Position.proposal_id == Proposal.id,
                               Position.user_id == user.id))
        .options(joinedload(Proposal.project))
        .order_by(Proposal.closes_at).limit(10)
    ).all()
    if not waiting:
        return None
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "projects/_home_panel.html", proposals=waiting))
