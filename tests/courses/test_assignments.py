"""Assignments, the home page's "À faire", reminders, follow-up, project readiness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.registry import ask, render_hook
from change_portal.extensions import db
from courses import assignments, hooks, learning, queries
from courses.jobs import send_assignment_reminders
from courses.models import Assignment, ProjectModule
from tests import factories
from tests.courses.factories import complete_module, create_module, create_project

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_assign_to_service_shows_on_home_until_done(client, login_as, org):
    service = factories.create_service(org, "Accueil")
    agent = factories.create_user(org, service=service)
    lead = factories.create_user(org, ["project_lead"])
    module = create_module()
    assignments.assign_module(lead, module, service=service,
                              due_date=date.today() + timedelta(days=20))
    login_as(agent)
    page = client.get("/accueil").get_data(as_text=True)
    assert "À faire" in page and "Module d&#39;essai" in page
    complete_module(agent, module)
    assert "À faire" not in client.get("/accueil").get_data(as_text=True)


def test_assignment_rules(org, other_org):
    agent = factories.create_user(org)
    trainer = factories.create_user(org, ["trainer"])
    module = create_module()
    with pytest.raises(NotAllowed):
        assignments.assign_module(agent, module, users=[agent])
    with pytest.raises(DomainError):
        assignments.assign_module(trainer, module)  # nobody chosen
    with pytest.raises(DomainError):
        assignments.assign_module(trainer, module, users=[agent],
                                  due_date=date.today() - timedelta(days=1))
    theirs = create_module(other_org, slug="module-ailleurs")
    with pytest.raises(DomainError):
        assignments.assign_module(trainer, theirs, users=[agent])
    outsider = factories.create_user(other_org)
    with pytest.raises(DomainError):
        assignments.assign_module(trainer, module, users=[outsider])


def test_assignments_page(client, login_as, org):
    login_as("trainer")
    service = factories.create_service(org, "État civil")
    agent = factories.create_user(org, service=service, name="Agent Choisi")
    module = create_module()
    resp = client.post("/modules/affectations", data={
        "module_id": str(module.id), "service_id": "0", "user_ids": [str(agent.id)],
        "due_date": (date.today() + timedelta(days=10)).isoformat()})
    assert resp.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert [u.id for u in assignment.users] == [agent.id]
    page = client.get("/modules/affectations").get_data(as_text=True)
    assert "Agent Choisi" in page
    resp = client.post("/modules/affectations", data={"module_id": "999999", "service_id": "0"})
    assert resp.status_code == 200
    client.post(f"/modules/affectations/{assignment.id}/supprimer")
    assert db.session.scalar(select(Assignment)) is None


def test_reminder_sent_once_before_due_date(org, outbox):
    service = factories.create_service(org, "Accueil")
    agent = factories.create_user(org, service=service, email="agent@exemple.fr")
    done = factories.create_user(org, service=service)
    admin = factories.create_user(org, ["admin"])
    module = create_module()
    complete_module(done, module)
    assignments.assign_module(admin, module, service=service,
                              due_date=NOW.date() + timedelta(days=10), today=NOW.date())
    assert send_assignment_reminders(NOW) == 0  # too early
    later = NOW + timedelta(days=8)
    assert send_assignment_reminders(later) == 1  # the agent who completed is skipped
    assert send_assignment_reminders(later) == 0  # once per assignment and user
    assert send_assignment_reminders(later + timedelta(hours=1)) == 0
    mails = list(outbox.glob("course-reminder-*.eml"))
    assert len(mails) == 1
    text = mails[0].read_text()
    assert "agent@exemple.fr" in text and f"/modules/{module.id}" in text
    assert send_assignment_reminders(NOW + timedelta(days=11)) == 0  # past due
    del agent


def test_followup_aggregates_without_individual_answers(client, login_as, org):
    service = factories.create_service(org, "Urbanisme")
    a = factories.create_user(org, service=service, name="Alice Secret")
    b = factories.create_user(org, service=service)
    module = create_module()
    complete_module(a, module)
    version = queries.version_with_lessons(module)
    learning.mark_lesson_done(b, module, version.lessons[0])
    entries = queries.followup(org.id)
    row = entries[0]["rows"][0]
    assert (row["service"], row["started"], row["completed"]) == ("Urbanisme", 2, 1)
    assert row["score"] is None and row["hidden"]  # one person's score: not shown
    other = factories.create_service(org, "Finances")
    c = factories.create_user(org, service=other)
    learning.mark_lesson_done(c, module, version.lessons[0])
    entry = queries.followup(org.id)[0]
    assert (entry["started"], entry["completed"], entry["score"]) == (3, 1, None)
    login_as("trainer")
    page = client.get("/modules/suivi").get_data(as_text=True)
    assert "Urbanisme" in page and "Alice Secret" not in page
    assert "Tous les services" in page
    assert client.get(f"/modules/suivi/{module.id}").status_code == 403


def test_admin_sees_completion_status_only(client, login_as, org):
    a = factories.create_user(org, name="Alice Faite")
    module = create_module()
    complete_module(a, module)
    login_as("admin")
    page = client.get(f"/modules/suivi/{module.id}").get_data(as_text=True)
    assert "Alice Faite" in page and "Terminé" in page
    assert "100" not in page.split("<tbody>")[1]


def test_project_readiness_hooks(org):
    service = factories.create_service(org, "Accueil")
    other = factories.create_service(org, "Finances")
    ready = factories.create_user(org, service=service)
    factories.create_user(org, service=service)
    factories.create_user(org, service=service, active=False)
    factories.create_user(org, service=other)
    project = create_project(org, [service])
    empty = create_project(org, [other], title="Sans formation")
    m1, m2 = create_module(slug="module-un"), create_module(slug="module-deux")
    lead = factories.create_user(org, ["project_lead"])
    assignments.add_required_module(lead, project, m1)
    assignments.add_required_module(lead, project, m2)
    complete_module(ready, m1)
    assert ask("project.readiness", project=project) == {
        "required": 2, "ready_agents": 0, "total_agents": 2, "percent": 0.0}
    complete_module(ready, m2)
    many = ask("project.readiness_many", projects=[project, empty])
    assert many[project.id] == {"required": 2, "ready_agents": 1, "total_agents": 2,
                                "percent": 50.0}
    assert many[empty.id]["required"] == 0 and many[empty.id]["total_agents"] == 1


def test_readiness_counts_only_active_agents_of_the_project_services(org):
    """Agents are counted per service, ready ones from the completions of the required
    modules: someone who completed everything but is inactive, or not in one of the
    project's services, is neither an agent nor ready; a module required by another
    project does not count."""
    accueil = factories.create_service(org, "Accueil")
    etat_civil = factories.create_service(org, "État civil")
    finances = factories.create_service(org, "Finances")
    in_accueil = factories.create_user(org, service=accueil)
    in_etat_civil = factories.create_user(org, service=etat_civil)
    factories.create_user(org, service=etat_civil)
    gone = factories.create_user(org, service=accueil, active=False)
    outsider = factories.create_user(org, service=finances)
    project = create_project(org, [accueil, etat_civil])
    other = create_project(org, [finances], title="Autre projet")
    m1, m2 = create_module(slug="module-un"), create_module(slug="module-deux")
    lead = factories.create_user(org, ["project_lead"])
    assignments.add_required_module(lead, project, m1)
    assignments.add_required_module(lead, other, m2)
    for person in (in_accueil, in_etat_civil, gone, outsider):
        complete_module(person, m1)
    complete_module(outsider, m2)
    many = ask("project.readiness_many", projects=[project, other])
    assert many[project.id] == {"required": 1, "ready_agents": 2, "total_agents": 3,
                                "percent": 66.7}
    assert many[other.id] == {"required": 1, "ready_agents": 1, "total_agents": 1,
                              "percent": 100.0}


def test_project_panel_and_routes(app, client, login_as, org):
    lead = login_as("project_lead")
    project = create_project(org)
    module = create_module()
    with app.test_request_context("/projets/1"):
        panels = [p for p in render_hook("project.panels", project=project, user=lead)
                  if "project-courses" in p]
    assert len(panels) == 1 and isinstance(panels[0], Markup)
    assert "Ajouter aux formations requises" in panels[0]
    resp = client.post(f"/modules/projets/{project.id}/modules",
                       data={"module_id": str(module.id), "next": "/projets/1"})
    assert resp.headers["Location"].endswith("/projets/1")
    assert db.session.get(ProjectModule, (project.id, module.id)) is not None
    client.post(f"/modules/projets/{project.id}/modules/{module.id}/retirer")
    assert db.session.get(ProjectModule, (project.id, module.id)) is None
    agent = factories.create_user(org)
    with app.test_request_context("/projets/1"):
        html = hooks.project_panel(project=project, user=agent)
    assert "<form" not in html


def test_overdue_assignment_is_flagged_on_home(client, login_as, org):
    agent = login_as("agent")
    admin = factories.create_user(org, ["admin"])
    module = create_module()
    assignment = assignments.assign_module(admin, module, users=[agent])
    assignment.due_date = date.today() - timedelta(days=2)
    db.session.flush()
    page = client.get("/accueil").get_data(as_text=True)
    assert "échéance dépassée" in page


def _answer_quizzes(user, module, right: bool) -> None:
    version = queries.version_with_lessons(module)
    for lesson in version.lessons:
        full = queries.lesson_with_quizzes(version, lesson.key)
        for quiz in full.quizzes:
            learning.answer_quiz(user, module, full, quiz, {
                q.id: {o.id for o in q.options if o.correct == right} for q in quiz.questions})


def test_followup_shows_no_score_for_a_group_smaller_than_five(client, login_as, org):
    """Issue 11, item 10: a service of one person must not show that person's score,
    neither in its row nor by difference with the all-services total."""
    module = create_module()
    big = factories.create_service(org, "Accueil")
    for _ in range(5):  # MIN_GROUP_SIZE
        _answer_quizzes(factories.create_user(org, service=big), module, right=True)
    alone = factories.create_user(org, service=factories.create_service(org, "Cabinet"),
                                  name="Seule Personne")
    _answer_quizzes(alone, module, right=False)

    entry = queries.followup(org.id)[0]
    rows = {r["service"]: r for r in entry["rows"]}
    assert rows["Accueil"]["score"] == 100.0 and not rows["Accueil"]["hidden"]
    assert rows["Cabinet"]["score"] is None and rows["Cabinet"]["hidden"]
    assert rows["Cabinet"]["started"] == 1  # counts stay, the score goes
    assert entry["score"] is None and entry["hidden"]  # total − Accueil = Cabinet

    login_as("trainer")
    page = client.get("/modules/suivi").get_data(as_text=True)
    cabinet = page[page.index("Cabinet"):]
    cabinet = cabinet[:cabinet.index("</tr>")]
    assert "moins de 5 personnes" in cabinet and "0 %" not in cabinet
    assert "non affiché" in page

    # Four more people in small services: the hidden groups together reach five, so the
    # total no longer gives anyone away; each small service still shows no figure.
    small = factories.create_service(org, "Finances")
    for _ in range(4):
        _answer_quizzes(factories.create_user(org, service=small), module, right=False)
    entry = queries.followup(org.id)[0]
    rows = {r["service"]: r for r in entry["rows"]}
    assert rows["Finances"]["hidden"] and rows["Cabinet"]["hidden"]
    assert entry["score"] == 50.0 and not entry["hidden"]


def test_project_panel_lists_required_modules_choices_and_readiness_in_one_statement(
        app, org, other_org):
    """The panel's one statement: the required modules with the readiness figure,
    the select offering the other modules the collectivité may see (not another
    collectivité's own module), and the readiness kept for the page's hook."""
    from flask import g
    from sqlalchemy import event

    service = factories.create_service(org, "Accueil")
    ready = factories.create_user(org, service=service)
    factories.create_user(org, service=service)
    project = create_project(org, [service])
    lead = factories.create_user(org, ["project_lead"])
    required = create_module(slug="module-requis")
    free = create_module(slug="module-libre")
    elsewhere = create_module(other_org, slug="module-d-ailleurs")
    assignments.add_required_module(lead, project, required)
    complete_module(ready, required)
    statements = []

    def count(*_args):
        statements.append(1)

    with app.test_request_context("/projets/1"):
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            html = hooks.project_panel(project=project, user=lead)
            readiness = ask("project.readiness", project=project)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        g.pop("_course_readiness", None)
    assert len(statements) == 1
    assert readiness == {"required": 1, "ready_agents": 1, "total_agents": 2, "percent": 50.0}
    listed, select_part = html.split("<select", 1)
    assert f"/modules/{required.id}" in listed and "Retirer" in listed
    assert "1 agent(s) prêt(s) sur 2" in listed
    assert f"/modules/{free.id}" not in listed
    options = select_part.split("</select>", 1)[0]
    assert f'value="{free.id}"' in options and options.count("<option") == 1
    assert f'value="{required.id}"' not in options and f'value="{elsewhere.id}"' not in options
    agent = factories.create_user(org)
    with app.test_request_context("/projets/1"):
        html = hooks.project_panel(project=project, user=agent)
    assert "<select" not in html and f"/modules/{required.id}" in html
