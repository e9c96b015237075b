"""The demo collectivité gets a living roadmap and projects."""

from sqlalchemy import func, select

from change_portal.accounts import demo
from change_portal.extensions import db
from change_portal.projects.models import Action, PositionChange, Project, Proposal
from change_portal.roadmap import queries
from change_portal.roadmap.models import Axis
from tests import factories


def test_demo_has_roadmap_projects_actions_and_positions(client):
    org = demo.load()
    assert db.session.scalar(select(func.count(Axis.id)).where(
        Axis.organisation_id == org.id)) == 6
    statuses = set(db.session.scalars(select(Project.status).where(
        Project.organisation_id == org.id)))
    assert len(statuses) >= 4
    actions = db.session.scalars(select(Action).where(Action.organisation_id == org.id)).all()
    assert {a.status for a in actions} >= {"realisee", "prevue"}
    assert any(a.minutes_html for a in actions)
    assert db.session.scalar(select(func.count(Proposal.id))) >= 2
    assert db.session.scalar(select(func.count(PositionChange.id))) >= 4
    view = queries.load_roadmap(org.id)
    assert view.late and 0 < view.progress < 100
    assert org.roadmap_published
    elected = db.session.scalar(select(factories.User).where(
        factories.User.email == "claire.moreau@demo.example"))
    factories.log_in(client, elected)
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert "Prise de rendez-vous en ligne pour l&#39;état civil" in page
    assert "En retard" in page
    assert client.get(f"/o/{org.slug}/roadmap").status_code == 200
