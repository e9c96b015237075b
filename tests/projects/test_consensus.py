"""Actions, concerns, proposals and positions."""

from datetime import datetime, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import queries, services
from change_portal.projects.models import Action, Concern, Position, PositionChange, Proposal
from tests import factories
from tests.roadmap import factories as f


@pytest.fixture
def setup(org):
    service = factories.create_service(org, "État civil")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), title="Démarches en ligne")
    project = f.create_project(org, title="Rendez-vous en ligne", services=[service],
                               objectives=[obj])
    return service, obj, project


def _action_form(obj_ids, **kw):
    data = {"kind": "atelier", "title": "Atelier agents", "planned_on": "2026-09-01",
            "status": "realisee", "participants": "12", "objective_ids": obj_ids,
            "minutes": "# Compte rendu\n\nLes agents **craignent** la charge."}
    data.update(kw)
    return data


def test_action_needs_an_objective(client, org, login_as, setup):
    login_as("project_lead")
    _, obj, project = setup
    resp = client.post(f"/projets/{project.id}/actions/nouvelle", data=_action_form([]))
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "au moins un objectif" in body
    assert 'value="Atelier agents"' in body  # nothing lost
    assert db.session.scalar(select(Action)) is None
    resp = client.post(f"/projets/{project.id}/actions/nouvelle", data=_action_form([obj.id]))
    assert resp.status_code == 302
    action = db.session.scalar(select(Action))
    assert "<strong>craignent</strong>" in action.minutes_html
    assert action.participants == 12


def test_objective_of_another_collectivite_is_404(client, org, other_org, login_as, setup):
    login_as("project_lead")
    _, _, project = setup
    theirs = f.create_objective(f.create_axis(f.create_roadmap(other_org)))
    resp = client.post(f"/projets/{project.id}/actions/nouvelle",
                       data=_action_form([theirs.id]))
    assert resp.status_code in (404, 422)
    assert db.session.scalar(select(Action)) is None


def test_service_rejects_foreign_objective(org, other_org, setup):
    lead = factories.create_user(org, ["project_lead"])
    _, _, project = setup
    theirs = f.create_objective(f.create_axis(f.create_roadmap(other_org)))
    with pytest.raises(DomainError):
        services.save_action(lead, project, kind="atelier", title="x",
                             planned_on=utcnow().date(), objectives=[theirs])


def test_agent_raises_concern_lead_answers(client, org, login_as, setup):
    service, obj, project = setup
    action = f.create_action(project, [obj])
    agent = factories.create_user(org, ["agent"], service=service)
    login_as(agent)
    resp = client.post(f"/projets/actions/{action.id}/inquietudes",
                       data={"text": "Et si le logiciel tombe en panne ?"})
    assert resp.status_code == 302
    page = client.get(f"/projets/actions/{action.id}").get_data(as_text=True)
    assert "Sans réponse pour l'instant" in page
    section = page.split('id="inquietudes"')[1]
    assert agent.full_name not in section  # concerns are not signed for colleagues
    concern = db.session.scalar(select(Concern))
    assert client.post(f"/projets/inquietudes/{concern.id}/reponse",
                       data={"answer": "x"}).status_code == 403
    login_as("project_lead")
    client.post(f"/projets/inquietudes/{concern.id}/reponse",
                data={"answer": "Une procédure papier reste prévue."})
    db.session.refresh(concern)
    assert concern.answer == "Une procédure papier reste prévue."
    assert queries.unanswered_concerns([project.id]) == {}


def test_empty_concern_is_refused(client, org, login_as, setup):
    _, obj, project = setup
    action = f.create_action(project, [obj])
    login_as("project_lead")
    resp = client.post(f"/projets/actions/{action.id}/inquietudes", data={"text": "  "})
    assert resp.status_code == 422


def _open(client, project, hide=False):
    closes = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Ouvrir le service le samedi", "body": "Proposition", "closes_at": closes}
    if hide:
        data["hide_results"] = "y"
    resp = client.post(f"/projets/{project.id}/propositions/nouvelle", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return db.session.scalar(select(Proposal).order_by(Proposal.id.desc()))


def test_positions_change_until_closing_with_history(client, org, login_as, setup):
    service, _, project = setup
    login_as("project_lead")
    proposal = _open(client, project)
    agent = factories.create_user(org, ["agent"], service=service)
    login_as(agent)
    url = f"/projets/propositions/{proposal.id}/position"
    resp = client.post(url, data={"stance": "blocage", "reason": ""})
    assert resp.status_code == 422
    assert "Expliquez votre position" in resp.get_data(as_text=True)
    assert client.post(url, data={"stance": "blocage", "reason": "Pas assez d'agents"}
                       ).status_code == 302
    meter = queries.meters([project.id])[project.id]
    assert meter.blocks == 1 and meter.current["blocage"] == 1
    client.post(url, data={"stance": "reserves", "reason": "Si on recrute"})
    position = db.session.scalar(select(Position))
    assert position.stance == "reserves"
    history = db.session.scalars(select(PositionChange).order_by(PositionChange.id)).all()
    assert [h.stance for h in history] == ["blocage", "reserves"]
    meter = queries.meters([project.id])[project.id]
    assert meter.blocks == 0 and meter.current == {"reserves": 1}
    # closing: no more changes
    proposal.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    resp = client.post(url, data={"stance": "accord", "reason": "Finalement oui"})
    assert resp.status_code == 422
    assert "close" in resp.get_data(as_text=True)
    db.session.refresh(position)
    assert position.stance == "reserves"


def test_only_agents_of_services_concerned_give_positions(client, org, login_as, setup):
    _, _, project = setup
    proposal = f.create_proposal(project)
    service = project.services[0]
    elected_in_service = factories.create_user(org, ["elected"], service=service)
    with pytest.raises(NotAllowed):
        services.give_position(elected_in_service, proposal, stance="accord", reason="oui")
    outsider = factories.create_user(org, ["agent"])
    with pytest.raises(NotAllowed):
        services.give_position(outsider, proposal, stance="accord", reason="oui")
    login_as(elected_in_service)
    resp = client.post(f"/projets/propositions/{proposal.id}/position",
                       data={"stance": "accord", "reason": "oui"})
    assert resp.status_code == 302
    assert db.session.scalar(select(Position)) is None


def test_hidden_results_until_closing(client, org, login_as, setup):
    service, _, project = setup
    login_as("project_lead")
    proposal = _open(client, project, hide=True)
    agent = factories.create_user(org, ["agent"], service=service)
    services.give_position(agent, proposal, stance="blocage", reason="Non")
    page = client.get(f"/projets/propositions/{proposal.id}").get_data(as_text=True)
    assert "cachés jusqu'à la clôture" in page and "Non</li>" not in page
    meter = queries.meters([project.id])[project.id]
    assert meter.total == 0 and meter.hidden == 1 and meter.blocks == 0
    client.post(f"/projets/propositions/{proposal.id}/cloture")
    db.session.refresh(proposal)
    assert not proposal.is_open()
    meter = queries.meters([project.id])[project.id]
    # closed: the position counts apart from the open proposals', still a block to lift
    assert meter.current == {} and meter.closed == {"blocage": 1} and meter.blocks == 1
    assert meter.by_proposal == {proposal.id: {"blocage": 1}}
    resp = client.post(f"/projets/propositions/{proposal.id}/decision",
                       data={"outcome": "Reporté, à retravailler avec l'état civil."})
    assert resp.status_code == 302
    meter = queries.meters([project.id])[project.id]
    assert meter.blocks == 0  # the lead wrote the outcome
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "Reporté, à retravailler" in page


def test_closing_date_in_the_past_is_refused(client, org, login_as, setup):
    _, _, project = setup
    login_as("project_lead")
    resp = client.post(f"/projets/{project.id}/propositions/nouvelle",
                       data={"title": "X", "closes_at": "2020-01-01T10:00"})
    assert resp.status_code == 422
    assert "dans le futur" in resp.get_data(as_text=True)


def test_project_page_timeline_and_hooks(client, org, login_as, setup):
    from change_portal.core import registry

    _, obj, project = setup
    f.create_action(project, [obj], title="Atelier réalisé", status="realisee")
    f.create_action(project, [obj], title="Réunion oubliée",
                    planned_on=utcnow().date() - timedelta(days=3))

    def panel(project, user):
        return Markup("<section><h2>Besoins liés au projet {}</h2></section>").format(project.id)

    def ready(project):
        return {"required": 2, "ready_agents": 3, "total_agents": 4, "percent": 75.0}

    registry.register("project.panels", panel, order=999)
    provider = registry._HOOKS["project.readiness"][:]  # the courses' (one provider)
    with pytest.raises(ValueError, match="one provider"):
        registry.register("project.readiness", ready)
    registry._HOOKS["project.readiness"][:] = [(0, ready)]
    try:
        login_as("elected")
        page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    finally:
        registry._HOOKS["project.panels"].remove((999, panel))
        registry._HOOKS["project.readiness"][:] = provider
    assert f"Besoins liés au projet {project.id}" in page
    assert "75 % des agents prêts (3 sur 4)" in page
    assert "Atelier réalisé" in page and "Réunion oubliée" in page
    assert "En retard" in page


def test_home_panels(client, org, login_as, setup):
    service, _, project = setup
    proposal = f.create_proposal(project, title="Horaires du samedi")
    agent = factories.create_user(org, ["agent"], service=service)
    login_as(agent)
    assert "Horaires du samedi" in client.get("/accueil").get_data(as_text=True)
    services.give_position(agent, proposal, stance="accord", reason="Oui")
    assert "Horaires du samedi" not in client.get("/accueil").get_data(as_text=True)
    login_as("elected")
    page = client.get("/accueil").get_data(as_text=True)
    assert "Feuille de route numérique" in page and "Ouvrir le tableau de bord" in page


def test_objective_page_lists_projects_and_actions_serving_it(client, org, login_as, setup):
    service, obj, project = setup
    f.create_action(project, [obj], title="Atelier créneaux")
    hidden_project = f.create_project(org, title="Projet d'un autre service", objectives=[obj])
    f.create_action(hidden_project, [obj], title="Action d'un autre service")
    login_as("agent", service=service)
    page = client.get(f"/feuille-de-route/objectifs/{obj.id}").get_data(as_text=True)
    assert "Rendez-vous en ligne" in page and "Atelier créneaux" in page
    assert "Projet d'un autre service" not in page
    assert "Action d'un autre service" not in page


def test_lead_sees_position_history(client, org, login_as, setup):
    service, _, project = setup
    proposal = f.create_proposal(project)
    agent = factories.create_user(org, ["agent"], service=service, name="Julie Test")
    services.give_position(agent, proposal, stance="blocage", reason="Non")
    services.give_position(agent, proposal, stance="accord", reason="Finalement oui")
    login_as("project_lead")
    page = client.get(f"/projets/propositions/{proposal.id}").get_data(as_text=True)
    assert "Historique des positions (2)" in page
    assert page.index(">Blocage<") < page.index(">D&#39;accord<")


def test_unanswered_concerns_stay_visible_on_the_project_page(client, org, login_as, setup):
    _, obj, project = setup
    action = f.create_action(project, [obj], title="Réunion")
    f.create_concern(action, text="Qui forme les nouveaux ?")
    f.create_concern(action, text="Et les horaires ?", answer="Inchangés.")
    login_as("elected")
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    section = page.split("Inquiétudes sans réponse</h2>")[1].split("<h2")[0]
    assert "Qui forme les nouveaux ?" in section
    assert "Et les horaires ?" not in section


def test_project_page_breaks_the_meter_down_per_proposal(client, org, login_as, setup):
    """Open proposals each get their own figures; closed ones stand apart with their outcome."""
    service, _, project = setup
    still_open = f.create_proposal(project, title="Horaires élargis")
    closed = f.create_proposal(project, title="Ancien guichet")
    agents = [factories.create_user(org, ["agent"], service=service) for _ in range(3)]
    services.give_position(agents[0], still_open, stance="accord", reason="oui")
    services.give_position(agents[1], still_open, stance="reserves", reason="si formation")
    services.give_position(agents[2], closed, stance="desaccord", reason="non")
    closed.closes_at = utcnow() - timedelta(minutes=1)
    closed.outcome = "Abandonné au profit du rendez-vous."
    db.session.flush()
    meter = queries.meters([project.id])[project.id]
    assert meter.current == {"accord": 1, "reserves": 1}
    assert meter.closed == {"desaccord": 1}
    assert meter.by_proposal[still_open.id] == {"accord": 1, "reserves": 1}
    login_as("project_lead")
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    opened = page.index("Propositions ouvertes : positions en cours")
    ended = page.index("Propositions closes : positions à la clôture et décision")
    assert opened < page.index("Horaires élargis", opened) < ended
    assert page.index("Ancien guichet", ended) > ended
    assert "Abandonné au profit du rendez-vous." in page[ended:]
    assert "Les propositions closes comptent à part : 1 position(s)." in page


def test_position_form_preselects_nothing_and_explains_each_stance(client, org, login_as, setup):
    service, _, project = setup
    proposal = f.create_proposal(project)
    login_as(factories.create_user(org, ["agent"], service=service))
    page = client.get(f"/projets/propositions/{proposal.id}").get_data(as_text=True)
    form = page[page.index('name="stance"') - 200:]
    assert 'type="radio"' in form and "checked" not in form.split("</fieldset>")[0]
    assert "objection grave" in page and "sans m'y opposer" in page
    resp = client.post(f"/projets/propositions/{proposal.id}/position",
                       data={"reason": "Choix oublié"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Choisissez votre position." in body and "Choix oublié" in body
    assert db.session.scalar(select(Position)) is None


def test_closing_stands_apart_from_the_decision_form(client, org, login_as, setup):
    _, _, project = setup
    proposal = f.create_proposal(project)
    login_as("project_lead")
    page = client.get(f"/projets/propositions/{proposal.id}").get_data(as_text=True)
    closing = page.index('id="close-heading"')
    decision = page.index('id="decision-heading"')
    button = page.index("Clore maintenant")
    assert closing < button < page.index("</section>", closing) < decision
