"""RGPD: export and erasure of what projects and the roadmap hold about a person."""

from sqlalchemy import select

from change_portal.core import privacy
from change_portal.extensions import db
from change_portal.projects import queries, services
from change_portal.projects.models import Position, ProjectComment
from change_portal.projects.privacy import PROVIDER
from change_portal.roadmap import services as roadmap_services
from change_portal.roadmap.models import DashboardVisit, Objective
from tests import factories
from tests.roadmap import factories as f


def test_my_columns_are_covered():
    tables = {t for t, _ in PROVIDER.covers}
    assert {"project", "project_position", "roadmap_objective"} <= tables
    assert PROVIDER in privacy.providers()


def test_export_and_erase(org):
    service = factories.create_service(org)
    agent = factories.create_user(org, ["agent", "project_lead"], service=service,
                                  name="Zoé Unique")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), owner=agent)
    project = f.create_project(org, services=[service], lead=agent, objectives=[obj])
    action = f.create_action(project, [obj])
    services.raise_concern(agent, action, "Mon inquiétude")
    services.add_comment(agent, project, "Mon commentaire")
    proposal = f.create_proposal(project)
    services.give_position(agent, proposal, stance="blocage", reason="Ma raison")
    roadmap_services.mark_dashboard_visit(agent)
    data = PROVIDER.export(agent)
    assert data["commentaires_projets"][0]["texte"] == "Mon commentaire"
    assert data["positions"][0]["raison"] == "Ma raison"
    assert data["inquietudes_exprimees"][0]["texte"] == "Mon inquiétude"
    PROVIDER.erase(agent)
    db.session.expire_all()
    assert db.session.scalar(select(ProjectComment)) is None
    assert db.session.get(DashboardVisit, agent.id) is None
    assert db.session.get(Objective, obj.id).owner_id is None
    assert project.lead_id is None
    position = db.session.scalar(select(Position))
    assert position.stance == "blocage" and "Ma raison" not in position.reason
    assert queries.meters([project.id])[project.id].blocks == 1  # figures stay true
