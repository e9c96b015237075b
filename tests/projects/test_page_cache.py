"""The project page's shared part is cached per collectivité (issue 15) and never stale:
every committed change to what it shows (ORM or bulk statement) shows on the next
request, in one process and across two app instances sharing Redis; a proposal that
closes and an action that falls late show without any write; what is the reader's
own (buttons, "Votre position", the panels' forms and filtered rows, CSRF tokens)
stays theirs."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import update

from change_portal.accounts.models import User
from change_portal.core import cache, clock
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects import services, shared
from change_portal.projects.models import (
    Action,
    Concern,
    Project,
    ProjectComment,
    ProjectStatusChange,
    Proposal,
)
from change_portal.roadmap.models import IndicatorValue, Objective
from tests import factories
from tests.roadmap import factories as f
from tests.roadmap.factories import QueryCounter


@pytest.fixture
def world(org):
    service = factories.create_service(org, "État civil")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), title="Démarches en ligne")
    indicator = f.create_indicator(obj, baseline=0, target=100, values=[40])
    lead = factories.create_user(org, ["project_lead"], name="Léa Cheffe")
    project = f.create_project(org, title="Rendez-vous en ligne", services=[service],
                               objectives=[obj], lead=lead)
    action = f.create_action(project, [obj], title="Atelier de lancement",
                             planned_on=date.today() + timedelta(days=5))
    concern = f.create_concern(action, text="Qui forme les nouveaux ?")
    proposal = f.create_proposal(project, title="Horaires du samedi")
    agent = factories.create_user(org, ["agent"], service=service, name="Agent Un")
    comment = services.add_comment(lead, project, "Premier commentaire")
    elected = factories.create_user(org, ["elected"])
    db.session.commit()
    return SimpleNamespace(service=service, obj=obj, indicator=indicator, lead=lead,
                           elected=elected,
                           project=project, action=action, concern=concern,
                           proposal=proposal, agent=agent, comment=comment,
                           url=f"/projets/{project.id}")


def _get(client, url) -> tuple[int, str]:
    """(statements, page) of one request, after the test's writes are committed."""
    db.session.commit()
    g.pop("_course_readiness", None)  # the tests' requests share one `g`: not in production
    with QueryCounter() as counter:
        page = client.get(url).get_data(as_text=True)
    return counter.count, page


def _login(client, user) -> None:
    factories.log_in(client, user)
    db.session.commit()


def _position_cell(page: str, title: str) -> str:
    """The "Votre position" cell of an open proposal's row."""
    table = page.split('id="props-open"')[1].split("</table>")[0]
    row = table.split(title)[1].split("</tr>")[0]
    return re.findall(r"<td>(.*?)</td>", row, re.S)[-1].strip()


def test_cached_until_a_change_then_rebuilt_at_once(client, world):
    _login(client, world.lead)
    client.get(world.url)
    hit, page = _get(client, world.url)
    assert "Atelier de lancement" in page and "Premier commentaire" in page
    assert _get(client, world.url)[0] == hit
    world.action.title = "Atelier renommé"
    db.session.commit()
    miss, page = _get(client, world.url)
    assert "Atelier renommé" in page and "Atelier de lancement" not in page
    assert miss > hit


@pytest.mark.parametrize("model, column, value, shown", [
    (Action, "title", "Atelier en masse", "Atelier en masse"),
    (Proposal, "title", "Proposition en masse", "Proposition en masse"),
    (Proposal, "positions_blocage", 4, "Blocages à lever : 4"),
    (ProjectComment, "body", "Commentaire en masse", "Commentaire en masse"),
    (Project, "status", "deploye", "badge-deploye"),
    (ProjectStatusChange, "to_status", "abandonne", "Statut : Abandonné"),
    (Objective, "title", "Objectif en masse", "Objectif en masse"),
    (IndicatorValue, "value", 90.0, "90 %"),
    (Concern, "text", "Inquiétude en masse", "Inquiétude en masse"),
    (Service, "name", "Service en masse", "Service en masse"),
    (User, "full_name", "Cheffe en masse", "Cheffe en masse"),
])
def test_bulk_updates_show_at_once(client, world, model, column, value, shown):
    _login(client, world.elected)  # the lead's name is not in the header
    before = _get(client, world.url)[1]
    assert shown not in before
    target = {Action: world.action.id, Proposal: world.proposal.id,
              ProjectComment: world.comment.id, Project: world.project.id,
              Objective: world.obj.id, Concern: world.concern.id, Service: world.service.id,
              User: world.lead.id}
    stmt = update(model).values({column: value})
    if model in target:
        stmt = stmt.where(model.id == target[model])
    elif model is ProjectStatusChange:
        stmt = stmt.where(model.project_id == world.project.id)
    else:
        stmt = stmt.where(model.indicator_id == world.indicator.id)
    db.session.execute(stmt)
    db.session.commit()
    assert shown in _get(client, world.url)[1]


def test_positions_comments_status_and_answers_show_at_once(client, world):
    _login(client, world.lead)
    page = _get(client, world.url)[1]
    assert "Qui forme les nouveaux ?" in page.split("Inquiétudes sans réponse")[1]
    services.give_position(world.agent, world.proposal, stance="blocage", reason="Pas prêt")
    db.session.commit()
    assert "Blocages à lever : 1" in _get(client, world.url)[1]
    services.add_comment(world.lead, world.project, "Deuxième commentaire")
    db.session.commit()
    assert "Deuxième commentaire" in _get(client, world.url)[1]
    services.answer_concern(world.lead, world.concern, "Le service formation.")
    db.session.commit()
    section = _get(client, world.url)[1].split("Inquiétudes sans réponse")[1].split("<h2")[0]
    assert "Qui forme les nouveaux ?" not in section
    services.save_project(world.lead, world.project.organisation_id,
                          title="Rendez-vous en ligne", services=[world.service],
                          lead=world.lead, status="deploye", objectives=[world.obj],
                          project=world.project)
    db.session.commit()
    assert "Statut : Déployé" in _get(client, world.url)[1]


def test_another_collectivite_change_keeps_the_entry(client, world, other_org):
    _login(client, world.lead)
    client.get(world.url)
    hit = _get(client, world.url)[0]
    theirs = f.create_project(other_org, title="Ailleurs")
    f.create_action(theirs, [], title="Action d'ailleurs")
    db.session.commit()
    again, page = _get(client, world.url)
    assert again == hit and "Ailleurs" not in page


def test_personal_parts_stay_personal(client, world, org, monkeypatch):
    services.give_position(world.agent, world.proposal, stance="accord", reason="Oui")
    other_agent = factories.create_user(org, ["agent"], service=world.service)
    db.session.commit()
    builds = []
    build = shared.queries.project_page
    monkeypatch.setattr(shared.queries, "project_page", lambda *a: builds.append(a) or build(*a))
    _login(client, world.lead)
    lead_page = _get(client, world.url)[1]
    assert "Modifier le projet" in lead_page and "Publier le commentaire" in lead_page
    assert _position_cell(lead_page, "Horaires du samedi") == "—"
    # The agent is served the lead's entry (no rebuild), with their own parts.
    _login(client, world.agent)
    agent_page = _get(client, world.url)[1]
    assert len(builds) == 1
    assert "Modifier le projet" not in agent_page and "Publier le commentaire" not in agent_page
    assert _position_cell(agent_page, "Horaires du samedi") == "D&#39;accord"
    _login(client, other_agent)
    other_page = _get(client, world.url)[1]
    assert _position_cell(other_page, "Horaires du samedi") == \
        "<strong>donnez votre position</strong>"
    # Everything but the reader's parts is the same.
    for page in (lead_page, agent_page, other_page):
        assert "<!--" not in page.split('id="contenu"')[1]
    assert lead_page.split("Objectifs de la feuille de route servis")[1].split(
        "Besoins des usagers")[0] == agent_page.split(
        "Objectifs de la feuille de route servis")[1].split("Besoins des usagers")[0]


def test_a_proposal_closing_shows_without_any_write(client, world, monkeypatch):
    world.proposal.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    _login(client, world.lead)
    client.get(world.url)
    hit, page = _get(client, world.url)
    assert "Horaires du samedi" in page.split('id="props-open"')[1]
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(shared, "utcnow", lambda: later)
    miss, page = _get(client, world.url)
    assert 'id="props-open"' not in page
    assert "Horaires du samedi" in page.split('id="props-closed"')[1]
    assert miss > hit
    assert _get(client, world.url)[0] == hit  # the entry built after the closing, cached


def test_an_action_falling_late_shows_the_next_day(client, world):
    _login(client, world.lead)
    assert "En retard" not in _get(client, world.url)[1]
    with clock.frozen(date.today() + timedelta(days=6)):
        assert "En retard" in _get(client, world.url)[1]


def test_panels_show_their_changes_and_stay_personal(client, world, org):
    from courses import assignments
    from forums import needs
    from tests.courses import factories as course_factories
    from tests.forums import factories as forum_factories

    _login(client, world.lead)
    page = _get(client, world.url)[1]
    assert "Aucun module n'est requis pour ce projet." in page
    module = course_factories.create_module(org, title="Accueil numérique")
    assignments.add_required_module(world.lead, world.project, module)
    db.session.commit()
    page = _get(client, world.url)[1]
    assert "Accueil numérique" in page and "Retirer" in page
    assert "0 % des agents prêts (0 sur 1)" in page  # the facts' readiness, per request
    course_factories.complete_module(world.agent, module)
    db.session.commit()
    assert "100 % des agents prêts (1 sur 1)" in _get(client, world.url)[1]
    db.session.execute(update(User).where(User.id == world.agent.id).values(active=False))
    db.session.commit()
    assert "0 % des agents prêts (0 sur 0)" in _get(client, world.url)[1]
    db.session.execute(update(User).where(User.id == world.agent.id).values(active=True))
    need = forum_factories.create_need(org, title="Besoin réservé")
    needs.link_project(world.lead, need, world.project)
    db.session.commit()
    _login(client, world.agent)
    assert "Besoin réservé" in _get(client, world.url)[1]
    # Its category restricted to elected officials: their readers only.
    need.topic.category.restricted_roles = "elected"
    db.session.commit()
    page = _get(client, world.url)[1]
    assert "Besoin réservé" not in page and "Aucun besoin rattaché" in page
    assert "Retirer" not in page and "Préparer une fiche" not in page
    _login(client, factories.create_user(org, ["elected"]))
    assert "Besoin réservé" in _get(client, world.url)[1]
    # A fiche drafted from the project shows in the sharing panel.
    from change_portal.sharing import services as sharing_services

    sharing_services.draft_from_project(world.lead, world.project)
    db.session.commit()
    assert "Rendez-vous en ligne — Brouillon" in _get(client, world.url)[1]


def test_each_reader_gets_their_own_csrf_tokens(app, world, org):
    admin = factories.create_user(org, ["admin"])  # comment, modules and fiche forms
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        tokens = []
        for user in (world.lead, world.lead, admin):
            other = app.test_client()
            _login(other, user)
            g.pop("csrf_token", None)  # the tests' requests share one `g`: not in production
            page = _get(other, world.url)[1]
            found = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page))
            assert len(found) == 1 and page.count('name="csrf_token"') >= 4, page
            tokens.append(found.pop())
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(set(tokens)) == 3  # three sessions, three tokens, the same entries


def test_only_the_entrys_own_markers_are_filled(client, world):
    db.session.execute(update(ProjectComment).where(ProjectComment.id == world.comment.id)
                       .values(body="<!--0123abcd:run:--> texte"))
    db.session.commit()
    _login(client, world.lead)
    page = _get(client, world.url)[1]
    assert "&lt;!--0123abcd:run:--&gt; texte" in page
    assert page.count("Modifier le projet") == 1


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, world, two_redis_apps):
    one, two = two_redis_apps
    clients = []
    for instance in (one, two):
        with instance.app_context():
            cache.bump_all()  # tokens left by an earlier run on the same ids
        c = instance.test_client()
        _login(c, world.lead)
        clients.append(c)
    for c in clients:
        assert "Atelier de lancement" in c.get(world.url).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(Action).where(Action.id == world.action.id)
                           .values(title="Modifié par l’instance B"))
        db.session.commit()
    assert "Modifié par l’instance B" in clients[0].get(world.url).get_data(as_text=True)
