"""Projects: creation by leads, status history, dates, visibility by role, comments."""

from sqlalchemy import select

from change_portal.extensions import db
from change_portal.projects.models import Project, ProjectComment, ProjectStatusChange
from courses import assignments
from tests import factories
from tests.courses.factories import complete_module, create_module
from tests.roadmap import factories as f


def _form(**kw):
    data = {"title": "GRC", "description": "Un **outil**", "status": "idee", "lead_id": 0,
            "start_date": "2026-01-01", "end_date": "2026-12-31"}
    data.update(kw)
    return data


def test_lead_creates_project_with_services_objectives_and_history(client, org, login_as):
    lead = login_as("project_lead")
    service = factories.create_service(org, "Accueil")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    resp = client.post("/projets/nouveau", data=_form(lead_id=lead.id, service_ids=[service.id],
                                                     objective_ids=[obj.id]))
    assert resp.status_code == 302
    project = db.session.scalar(select(Project))
    assert project.description_html == "<p>Un <strong>outil</strong></p>"
    assert [s.name for s in project.services] == ["Accueil"]
    assert [o.id for o in project.objectives] == [obj.id]
    data = _form(lead_id=lead.id, status="cadrage", service_ids=[service.id],
                 objective_ids=[obj.id])
    client.post(f"/projets/{project.id}/modifier", data=data)
    changes = db.session.scalars(select(ProjectStatusChange).order_by(ProjectStatusChange.id)
                                 ).all()
    assert [(c.from_status, c.to_status, c.actor_id) for c in changes] == [
        (None, "idee", lead.id), ("idee", "cadrage", lead.id)]
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "Statut : Cadrage" in page


def test_end_before_start_is_refused(client, org, login_as):
    login_as("project_lead")
    resp = client.post("/projets/nouveau", data=_form(start_date="2026-06-01",
                                                      end_date="2026-01-01"))
    assert resp.status_code == 200
    assert "La date de fin doit être égale ou postérieure" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Project)) is None


def test_service_of_another_collectivite_is_404(client, org, other_org, login_as):
    login_as("project_lead")
    theirs = factories.create_service(other_org)
    resp = client.post("/projets/nouveau", data=_form(service_ids=[theirs.id]))
    assert resp.status_code in (200, 404)  # not a valid choice
    assert db.session.scalar(select(Project)) is None


def test_agents_see_projects_of_their_service_only(client, org, login_as):
    mine, other = factories.create_service(org), factories.create_service(org)
    agent = login_as("agent", service=mine)
    p1 = f.create_project(org, title="Projet de mon service", services=[mine])
    p2 = f.create_project(org, title="Projet d'ailleurs", services=[other])
    page = client.get("/projets/").get_data(as_text=True)
    assert "Projet de mon service" in page and "Projet d'ailleurs" not in page
    assert client.get(f"/projets/{p1.id}").status_code == 200
    assert client.get(f"/projets/{p2.id}").status_code == 404
    assert agent.service_id == mine.id


def test_elected_reads_everything_and_comments_but_cannot_edit(client, org, login_as):
    login_as("elected")
    project = f.create_project(org, title="Parapheur")
    assert "Parapheur" in client.get("/projets/").get_data(as_text=True)
    assert client.get(f"/projets/{project.id}/modifier").status_code == 403
    resp = client.post(f"/projets/{project.id}/commentaires", data={"body": "Bravo"})
    assert resp.status_code == 302
    assert db.session.scalar(select(ProjectComment)).body == "Bravo"
    resp = client.post(f"/projets/{project.id}/commentaires", data={"body": ""})
    assert resp.status_code == 422


def test_agents_cannot_comment_or_create(client, org, login_as):
    login_as("agent")
    project = f.create_project(org)
    assert client.post(f"/projets/{project.id}/commentaires",
                       data={"body": "x"}).status_code == 403
    assert client.get("/projets/nouveau").status_code == 403


def test_project_of_another_collectivite_is_404(client, org, other_org, login_as):
    login_as("elected")
    theirs = f.create_project(other_org)
    assert client.get(f"/projets/{theirs.id}").status_code == 404


def test_list_and_page_query_counts_do_not_grow(client, org, login_as):
    login_as("project_lead")
    service = factories.create_service(org)
    agents = [factories.create_user(org, ["agent"], service=service) for _ in range(3)]
    f.populate(org, 3, agents, service)
    small_list = f.queries_for(client, "/projets/")
    first = db.session.scalar(select(Project).order_by(Project.id))
    small_page = f.queries_for(client, f"/projets/{first.id}")
    f.populate(org, 57, agents + [factories.create_user(org, ["agent"], service=service)
                                  for _ in range(6)], service)
    # more actions, positions and concerns on the first project too
    obj = first.objectives[0]
    for _ in range(20):
        a = f.create_action(first, [obj], status="realisee", minutes="CR")
        f.create_concern(a)
    assert f.queries_for(client, "/projets/") == small_list
    assert f.queries_for(client, f"/projets/{first.id}") == small_page


def test_editing_with_end_before_start_keeps_the_project(client, org, login_as):
    lead = login_as("project_lead")
    project = f.create_project(org, title="Parapheur", lead=lead)
    resp = client.post(f"/projets/{project.id}/modifier", data=_form(
        title="Parapheur v2", lead_id=lead.id, status="en_cours", start_date="2026-06-01",
        end_date="2026-01-01"))
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "La date de fin doit être égale ou postérieure" in body
    assert 'value="Parapheur v2"' in body  # the input is kept
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Parapheur"


def test_readiness_from_the_courses_on_list_page_and_dashboard(client, org, login_as):
    """Integration with the courses domain (through the registry hooks only)."""
    service = factories.create_service(org, "Accueil")
    ready = factories.create_user(org, service=service)
    factories.create_user(org, service=service)
    project = f.create_project(org, title="GRC", services=[service])
    lead = factories.create_user(org, ["project_lead"])
    module = create_module(slug="accueil-grc")
    assignments.add_required_module(lead, project, module)
    complete_module(ready, module)
    login_as("elected")
    expected = "50 % des agents prêts (1 sur 2)"
    assert expected in client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert expected in client.get("/projets/").get_data(as_text=True)
    assert expected in client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)


def test_page_rows_history_comments_chart_and_indicators_from_one_statement(
        client, org, login_as):
    """What the project page reads through projects.page_rows: the status changes
    with their actor (an erased one shown as such), the comments oldest first (with
    "inconnu" when the author is gone), the indicators' progress of the project's
    objectives (latest value), the chart from the positions; and nothing of another
    project."""
    from datetime import UTC, datetime

    from change_portal.core.models import utcnow

    login_as("elected")
    axis = f.create_axis(f.create_roadmap(org))
    objective = f.create_objective(axis, title="Accueil numérique")
    f.create_indicator(objective, baseline=0, target=200, values=(20, 50))
    project = f.create_project(org, title="Guichet", objectives=[objective])
    other = f.create_project(org, title="Autre projet")
    gone = factories.create_user(org, ["project_lead"], name="Paul Parti")
    gone.erased_at = utcnow()
    here = factories.create_user(org, ["elected"], name="Inès Présente")
    db.session.add_all([
        ProjectStatusChange(organisation_id=org.id, project_id=project.id, actor_id=gone.id,
                            at=datetime(2026, 2, 1, tzinfo=UTC), from_status="idee",
                            to_status="en_cours"),
        ProjectComment(organisation_id=org.id, project_id=project.id, author_id=here.id,
                       body="Premier avis"),
        ProjectComment(organisation_id=org.id, project_id=project.id, author_id=None,
                       body="Avis orphelin"),
        ProjectComment(organisation_id=org.id, project_id=other.id, author_id=here.id,
                       body="Avis d'ailleurs"),
    ])
    agent = factories.create_user(org, ["agent"])
    proposal = f.create_proposal(project, "Ouvrir le samedi")
    f.create_position(proposal, agent, "reserves")
    db.session.flush()
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "(un ancien agent)" in page and "Paul Parti" not in page
    assert page.index("Premier avis") < page.index("Avis orphelin")
    assert "inconnu — " in page and "Inès Présente — " in page
    assert "Avis d'ailleurs" not in page
    assert "25 %" in page  # latest value 50 of 0 → 200
    day = utcnow().strftime("%d/%m")
    assert f">{day}</text>" in page  # the chart's day of the position
