"""The elected officials' dashboard: contents, last visit, constant query count."""

import re
from datetime import date, timedelta

from change_portal.extensions import db
from change_portal.roadmap import services
from change_portal.roadmap.models import DashboardVisit
from tests import factories
from tests.roadmap import factories as f


def test_dashboard_shows_late_items_upcoming_actions_and_projects(client, org, login_as):
    login_as("elected")
    axis = f.create_axis(f.create_roadmap(org), title="Outils internes")
    obj = f.create_objective(axis, title="Parapheur", target_date=date(2020, 1, 1))
    project = f.create_project(org, title="Parapheur électronique", objectives=[obj])
    f.create_action(project, [obj], title="Réunion passée", planned_on=date(2020, 2, 1))
    f.create_action(project, [obj], title="Atelier bientôt",
                    planned_on=date.today() + timedelta(days=10))
    f.create_action(project, [obj], title="Atelier lointain",
                    planned_on=date.today() + timedelta(days=60))
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    late = page.index("En retard</h2>")
    assert page.index("Réunion passée") > late
    assert page.index("Parapheur") > late
    assert "Atelier bientôt" in page and "Atelier lointain" not in page
    assert "Parapheur électronique" in page
    assert "<svg" in page and "<caption>" in page
    assert "Agents prêts" in page


def test_what_changed_since_last_visit(client, org, login_as):
    user = login_as("elected")
    axis = f.create_axis(f.create_roadmap(org))
    client.get("/feuille-de-route/tableau-de-bord")
    visit = db.session.get(DashboardVisit, user.id)
    assert visit is not None
    first = visit.last_seen_at
    admin = factories.create_user(org, ["admin"])
    services.save_objective(admin, axis, title="Nouvel objectif", status="en_cours")
    # A reload within the minute is the same visit: nothing written, same "since".
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert "Nouvel objectif" in page.split("depuis votre dernière visite")[1]
    db.session.refresh(visit)
    assert visit.last_seen_at == first
    # The next visit, two minutes later, records itself and shows what changed since.
    visit.last_seen_at = first - timedelta(minutes=2)
    db.session.commit()
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert "Nouvel objectif" in page.split("depuis votre dernière visite")[1]
    db.session.refresh(visit)
    assert visit.last_seen_at > first
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert "Rien de nouveau" in page


def test_dashboard_query_count_does_not_grow(client, org, login_as):
    login_as("elected")
    service = factories.create_service(org)
    agents = [factories.create_user(org, ["agent"], service=service) for _ in range(3)]
    f.populate(org, 3, agents, service)
    small = f.queries_for(client, "/feuille-de-route/tableau-de-bord")
    f.populate(org, 57, agents, service)
    large = f.queries_for(client, "/feuille-de-route/tableau-de-bord")
    assert small == large, (small, large)


def test_roadmap_page_query_count_does_not_grow(client, org, login_as):
    login_as("agent")
    f.populate(org, 3)
    small = f.queries_for(client, "/feuille-de-route/")
    f.populate(org, 40)
    assert f.queries_for(client, "/feuille-de-route/") == small


def test_objective_and_proposal_pages_query_counts_do_not_grow(client, org, login_as):
    admin = login_as("admin")
    service = factories.create_service(org)
    axis = f.create_axis(f.create_roadmap(org))
    obj = f.create_objective(axis, owner=admin)
    ind = f.create_indicator(obj, values=[1, 2])
    services.add_indicator_value(admin, ind, value=3, measured_on=date(2026, 1, 15))
    project = f.create_project(org, services=[service], objectives=[obj])
    f.create_action(project, [obj])
    proposal = f.create_proposal(project)
    f.create_position(proposal, factories.create_user(org, ["agent"], service=service))
    small_obj = f.queries_for(client, f"/feuille-de-route/objectifs/{obj.id}")
    small_prop = f.queries_for(client, f"/projets/propositions/{proposal.id}")
    for i in range(15):
        services.add_indicator_value(admin, ind, value=i, measured_on=date(2026, 2, 1))
        f.create_indicator(obj, values=[i])
        f.create_action(project, [obj])
        f.create_position(proposal, factories.create_user(org, ["agent"], service=service))
    assert f.queries_for(client, f"/feuille-de-route/objectifs/{obj.id}") == small_obj
    assert f.queries_for(client, f"/projets/propositions/{proposal.id}") == small_prop


def test_first_visit_changes_are_summed_up_per_objective_with_units(client, org, login_as):
    """At most ten lines, one per objective or project, latest values with their unit."""
    login_as("elected")
    admin = factories.create_user(org, ["admin"])
    axis = f.create_axis(f.create_roadmap(org))
    for n in range(12):
        obj = services.save_objective(admin, axis, title=f"Objectif {n:02d}", status="en_cours")
        ind = services.save_indicator(admin, obj, name="Taux de dématérialisation",
                                      unit="%", baseline=0, target=1)
        for value in (0.5, 0.9):
            services.add_indicator_value(admin, ind, value=value,
                                         measured_on=date.today() - timedelta(days=1))
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    changes = page.split("depuis votre dernière visite")[1].split("</section>")[0]
    assert changes.count("<li>") == 10
    assert "« Taux de dématérialisation » : 0,9 %" in changes
    assert "0,5" not in changes and "= 0.9" not in changes  # older value, raw value
    assert "Voir tout (12)" in changes
    link = re.search(r'href="([^"]*changements=tous[^"]*)"', changes).group(1)
    every = client.get(link.replace("&amp;", "&")).get_data(
        as_text=True).split("depuis votre dernière visite")[1].split("</section>")[0]
    assert every.count("<li>") == 12 and "Voir tout" not in every
    for junk in ("²", "99999999999999999999", "-5"):  # a bad "depuis" is ignored, never a 500
        resp = client.get(f"/feuille-de-route/tableau-de-bord?changements=tous&depuis={junk}")
        assert resp.status_code == 200


def test_late_and_upcoming_lists_are_capped_with_a_link_to_all(client, org, login_as):
    login_as("elected")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    project = f.create_project(org, title="Gros projet", objectives=[obj])
    for i in range(12):
        f.create_action(project, [obj], title=f"Retard n°{i:02d}",
                        planned_on=date.today() - timedelta(days=20 - i))
        f.create_action(project, [obj], title=f"Bientôt n°{i:02d}",
                        planned_on=date.today() + timedelta(days=1 + i))
    page = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert page.count("Retard n°") == 10 and "Retard n°00" in page  # oldest first
    assert "Retard n°11" not in page
    assert page.count("Bientôt n°") == 10 and "Bientôt n°10" not in page
    assert "Voir les 12 actions en retard" in page
    assert "Voir les 12 actions des 30 prochains jours" in page
    assert 'href="/feuille-de-route/tableau-de-bord/actions?liste=en-retard"' in page
    assert 'href="/feuille-de-route/tableau-de-bord/actions?liste=a-venir"' in page
    # the old "everything on the dashboard" link is gone: still capped
    assert client.get("/feuille-de-route/tableau-de-bord?actions=toutes").get_data(
        as_text=True).count("Retard n°") == 10


def test_full_action_lists_are_paginated_and_stay_in_the_collectivite(
        client, app, org, other_org, login_as, monkeypatch):
    from change_portal.officials.views import dashboard as dashboard_view

    monkeypatch.setattr(dashboard_view, "ACTIONS_PER_PAGE", 5)
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    project = f.create_project(org, title="Gros projet", objectives=[obj])
    for i in range(12):
        f.create_action(project, [obj], title=f"Retard n°{i:02d}",
                        planned_on=date.today() - timedelta(days=20 - i))
    f.create_action(project, [obj], title="Bientôt", planned_on=date.today() + timedelta(days=3))
    f.create_action(project, [obj], title="Plus tard", planned_on=date.today() + timedelta(40))
    theirs = f.create_objective(f.create_axis(f.create_roadmap(other_org)))
    f.create_action(f.create_project(other_org, title="Ailleurs", objectives=[theirs]),
                    [theirs], title="Retard d'ailleurs",
                    planned_on=date.today() - timedelta(days=5))
    login_as("elected")
    url = "/feuille-de-route/tableau-de-bord/actions"
    first = client.get(url + "?liste=en-retard").get_data(as_text=True)
    assert "<h1>Actions en retard</h1>" in first and "12 action(s)" in first
    assert "Page 1 sur 3" in first
    assert [f"Retard n°{i:02d}" in first for i in range(6)] == [True] * 5 + [False]
    assert "d'ailleurs" not in first and "Bientôt" not in first
    last = client.get(url + "?liste=en-retard&page=3").get_data(as_text=True)
    assert "Retard n°10" in last and "Retard n°11" in last and "Retard n°09" not in last
    assert "Retard d'ailleurs" not in last
    upcoming = client.get(url + "?liste=a-venir").get_data(as_text=True)
    assert "Bientôt" in upcoming and "Plus tard" not in upcoming and "Retard n°" not in upcoming
    assert "<h1>Actions des 30 prochains jours</h1>" in upcoming
    assert client.get(url + "?liste=en-retard&page=4").status_code == 404
    assert client.get(url + "?liste=tout").status_code == 404
    assert client.get(url + "?page=abc").status_code == 404
    login_as("agent")
    assert client.get(url).status_code == 403


def test_dashboard_meters_summed_in_sql_equal_the_stored_counts(org):
    """The dashboard's meters (one statement) give the same figures as the project
    list's meters (projects.queries.meters) for open, closed, hidden and decided
    proposals, and nothing for another collectivité's project."""
    from change_portal.core.models import utcnow
    from change_portal.officials.queries import dashboard_project_rows
    from change_portal.projects import queries as project_queries

    project = f.create_project(org, title="Accueil unique")
    quiet = f.create_project(org, title="Bureau sans papier")
    other = f.create_project(factories.create_organisation(), title="Ailleurs")
    people = [factories.create_user(org, ["agent"]) for _ in range(4)]
    open_ = f.create_proposal(project, "Ouverte")
    hidden = f.create_proposal(project, "Cachée", hide_results=True)
    closed = f.create_proposal(project, "Close", days=-3)
    decided = f.create_proposal(project, "Décidée", days=2)
    decided.outcome = "Adoptée"
    for proposal, stances in ((open_, ["accord", "blocage", "reserves"]),
                              (hidden, ["blocage", "accord"]),
                              (closed, ["desaccord", "blocage"]),
                              (decided, ["blocage", "accord", "accord"])):
        for person, stance in zip(people, stances, strict=False):
            f.create_position(proposal, person, stance)
    f.create_position(f.create_proposal(other, "Hors sujet"), people[0], "blocage")
    from change_portal.projects.services import recount_stances

    recount_stances()
    now = utcnow()
    rows = {r.project.id: r.meter for r in dashboard_project_rows(org.id, 50, now)}
    expected = project_queries.meters([project.id, quiet.id], now, series=False)
    assert set(rows) == {project.id, quiet.id}
    for pid in (project.id, quiet.id):
        got, want = rows[pid], expected[pid]
        assert (got.current, got.closed, got.blocks, got.hidden, got.unanswered) == (
            want.current, want.closed, want.blocks, want.hidden, want.unanswered), pid
    assert rows[project.id].current == {"accord": 3, "blocage": 2, "reserves": 1}
    assert rows[project.id].blocks == 1 + 1 and rows[project.id].hidden == 2
    assert not rows[quiet.id].current and not rows[quiet.id].closed
