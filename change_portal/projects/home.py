"""The projects panel of the home page: open proposals awaiting your position."""

from __future__ import annotations

import functools

from flask import render_template
from markupsafe import Markup
from sqlalchemy import bindparam, exists, select

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
    waiting = db.session.execute(_waiting_statement(), {
        "org": user.organisation_id, "now": utcnow(), "service": user.service_id,
        "user": user.id}).all()
    if not waiting:
        return None
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "projects/_home_panel.html", proposals=waiting))


# Built once per process with bound parameters (every home page of an agent runs it):
# the columns the panel shows, not whole proposals and projects.
@functools.cache
def _waiting_statement():
    return (
        select(Proposal.id, Proposal.title, Proposal.closes_at,
               Project.title.label("project_title"))
        .join(Project, Project.id == Proposal.project_id)
        .where(of_tenant(Proposal, bindparam("org")),
               Proposal.closes_at > bindparam("now", type_=Proposal.closes_at.type),
               exists().where(project_service.c.project_id == Project.id,
                              project_service.c.service_id == bindparam("service")),
               ~exists().where(Position.proposal_id == Proposal.id,
                               Position.user_id == bindparam("user")))
        .order_by(Proposal.closes_at).limit(10)
    )
