"""The dashboard's shared part (roadmap, late and upcoming actions, projects) is cached
per collectivité (issue 15) and never stale: every committed change it is made of
shows on the next request, in one process and across two app instances sharing Redis;
the "what changed since your last visit" part stays personal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from change_portal.core import cache
from change_portal.extensions import db
from change_portal.projects import services as project_services
from change_portal.projects.models import Action, Project
from change_portal.roadmap.models import DashboardVisit
from tests import factories
from tests.roadmap import factories as f
from tests.roadmap.factories import QueryCounter

URL = "/feuille-de-route/tableau-de-bord"


def _roadmap(org, service=None):
    axis = f.create_axis(f.create_roadmap(org), title="Relation aux usagers")
    obj = f.create_objective(axis, title="Guichet unique", target_date=date(2030, 1, 1))
    project = f.create_project(org, title="Guichet numérique", objectives=[obj],
                               services=[service] if service else [])
    action = f.create_action(project, [obj], title="Atelier de lancement",
                             planned_on=date.today() + timedelta(days=5))
    db.session.commit()
    return project, action


def _statements(client) -> tuple[int, str]:
    with QueryCounter() as counter:
        page = client.get(URL).get_data(as_text=True)
    return counter.count, page


def test_cached_until_a_change_then_rebuilt_at_once(client, org, login_as):
    login_as("elected")
    project, action = _roadmap(org)
    client.get(URL)
    hit, page = _statements(client)
    assert "Atelier de lancement" in page
    # An ORM change, committed: shown on the very next request (a rebuild: more SQL).
    action.title = "Atelier renommé"
    db.session.commit()
    miss, page = _statements(client)
    assert "Atelier renommé" in page and "Atelier de lancement" not in page
    assert miss > hit
    # A bulk UPDATE statement (no ORM object flushed) invalidates too.
    db.session.execute(update(Project).where(Project.id == project.id)
                       .values(title="Guichet rebaptisé"))
    db.session.commit()
    assert "Guichet rebaptisé" in client.get(URL).get_data(as_text=True)
    # An action that falls late (status and date) moves to "En retard".
    db.session.execute(update(Action).where(Action.id == action.id)
                       .values(planned_on=date(2020, 1, 1)))
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert page.index("Atelier renommé") < page.index("Avancement par axe")


def test_positions_and_readiness_changes_show_at_once(client, org, login_as):
    login_as("elected")
    service = factories.create_service(org)
    project, _action = _roadmap(org, service)
    proposal = f.create_proposal(project)
    db.session.commit()
    before = client.get(URL).get_data(as_text=True)
    agent = factories.create_user(org, ["agent"], service=service)
    f.create_position(proposal, agent, stance="bloquant", reason="Pas prêt")
    db.session.commit()
    after = client.get(URL).get_data(as_text=True)
    assert after != before  # the meter and the agents of the service changed
    project_services.recount_stances([proposal.id])
    db.session.commit()
    assert client.get(URL).get_data(as_text=True) == after


def test_another_collectivite_change_keeps_the_entry(client, org, other_org, login_as):
    login_as("elected")
    _roadmap(org)
    client.get(URL)
    db.session.commit()  # the same session as the requests: measure after a commit
    hit, _page = _statements(client)
    db.session.commit()
    f.create_project(other_org, title="Ailleurs")
    db.session.commit()
    again, page = _statements(client)
    assert again == hit and "Ailleurs" not in page


def test_the_changes_since_the_last_visit_stay_personal(client, org, login_as):
    first = login_as("elected")
    _roadmap(org)
    client.get(URL)
    second = factories.create_user(org, ["elected"])
    visit = db.session.get(DashboardVisit, first.id)
    visit.last_seen_at = visit.last_seen_at - timedelta(days=3)
    db.session.commit()
    mine = client.get(URL).get_data(as_text=True)
    login_as(second)
    theirs = client.get(URL).get_data(as_text=True)
    assert "Dernière visite" in mine and "C'est votre première visite" in theirs
    shared = mine.split("<h1>")[1].split('<section id="changements">')[0]
    assert shared == theirs.split("<h1>")[1].split('<section id="changements">')[0]


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    elected = factories.create_user(org, ["elected"])
    _project, action = _roadmap(org)
    clients = []
    for instance in (one, two):
        with instance.app_context():
            cache.bump_all()  # tokens left by an earlier run on the same ids
        c = instance.test_client()
        factories.log_in(c, elected)
        clients.append(c)
    assert "Atelier de lancement" in clients[0].get(URL).get_data(as_text=True)
    assert "Atelier de lancement" in clients[1].get(URL).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(Action).where(Action.id == action.id)
                           .values(title="Modifié par l’instance B"))
        db.session.commit()
    assert "Modifié par l’instance B" in clients[0].get(URL).get_data(as_text=True)


def test_home_roadmap_panel_cached_and_never_stale(client, org, login_as):
    login_as("elected")
    _project, action = _roadmap(org)
    assert "Rien n'est en retard" in client.get("/accueil").get_data(as_text=True)
    db.session.execute(update(Action).where(Action.id == action.id)
                       .values(planned_on=date(2020, 1, 1)))
    db.session.commit()
    assert "1 élément(s) en retard" in client.get("/accueil").get_data(as_text=True)
