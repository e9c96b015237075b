"""Questions and answers across collectivités, notifications, moderation, reports,
rate limits, the contact form (address never shown) and "S'en inspirer"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db
from change_portal.projects.models import Action, Project
from change_portal.sharing import qa, services
from change_portal.sharing.models import FicheQuestion, FicheReuse, QuestionReport
from tests import factories
from tests.sharing.factories import project_with_figures, published_fiche


@pytest.fixture
def setup(org, other_org):
    project, _ind, lead = project_with_figures(org)
    lead.email = "thomas.auteur@ville-a.example"
    fiche = services.draft_from_project(lead, project)
    services.save_fiche(lead, fiche, title="Rendez-vous en ligne", themes=["relation-usagers"],
                        contact_me=True, contact_role="DSI")
    services.submit(lead, fiche)
    admin = factories.create_user(org, ["admin"])
    services.validate(admin, fiche)
    asker = factories.create_user(other_org, ["agent", "project_lead"], name="Inès Curieuse")
    return {"fiche": fiche, "lead": lead, "admin": admin, "asker": asker}


def test_question_answer_and_notifications(client, login_as, outbox, setup):
    fiche, lead, asker = setup["fiche"], setup["lead"], setup["asker"]
    login_as(asker)
    resp = client.post(f"/retours-experience/{fiche.id}/questions",
                       data={"body": "Combien de **temps** ?"})
    assert resp.status_code == 302
    q = db.session.scalar(select(FicheQuestion))
    assert "<strong>temps</strong>" in q.body_html and q.organisation_id == asker.organisation_id
    mails = [p.read_text() for p in outbox.glob("sharing-question-*.eml")]
    assert len(mails) == 1 and "thomas.auteur@ville-a.example" in mails[0]
    login_as(lead)
    client.post(f"/retours-experience/questions/{q.id}/reponse", data={"body": "Six mois."})
    html = client.get(f"/retours-experience/{fiche.id}").get_data(as_text=True)
    assert "Six mois." in html and "Inès Curieuse" in html and "Ville B" in html
    assert len(list(outbox.glob("sharing-question-*.eml"))) == 2  # the asker is told


def test_empty_and_flood_keep_the_text(app, client, login_as, setup):
    fiche = setup["fiche"]
    login_as(setup["asker"])
    resp = client.post(f"/retours-experience/{fiche.id}/questions", data={"body": "   "})
    assert resp.status_code == 422
    app.config["SHARING_POST_LIMIT"] = "1/300"
    try:
        client.post(f"/retours-experience/{fiche.id}/questions", data={"body": "Première"})
        resp = client.post(f"/retours-experience/{fiche.id}/questions",
                           data={"body": "Seconde gardée"})
    finally:
        app.config.pop("SHARING_POST_LIMIT")
    assert resp.status_code == 429 and resp.headers["Retry-After"]
    assert "Seconde gardée" in resp.get_data(as_text=True)


def test_reports_and_moderation(client, login_as, other_org, setup):
    fiche = setup["fiche"]
    q = qa.ask(setup["asker"], fiche, "Message déplacé", rate_limited=False)
    login_as(factories.create_user(other_org, ["agent"]))
    client.post(f"/retours-experience/questions/{q.id}/signaler", data={"reason": "Hors sujet"})
    assert db.session.scalar(select(QuestionReport.reason)) == "Hors sujet"
    # an admin of another collectivité cannot moderate this fiche
    login_as(factories.create_user(other_org, ["admin"]))
    assert client.post(f"/retours-experience/questions/{q.id}/masquer").status_code == 404
    assert "Message déplacé" not in client.get("/retours-experience/moderation").get_data(
        as_text=True)
    # the fiche's admin sees the report and hides the message
    login_as(setup["admin"])
    assert "Hors sujet" in client.get("/retours-experience/moderation").get_data(as_text=True)
    client.post(f"/retours-experience/questions/{q.id}/masquer")
    db.session.refresh(q)
    assert q.hidden_at is not None
    login_as(setup["asker"])
    html = client.get(f"/retours-experience/{fiche.id}").get_data(as_text=True)
    assert "Message déplacé" not in html and "masqué par la modération" in html
    # the operator moderates too
    login_as("operator")
    client.post(f"/retours-experience/questions/{q.id}/masquer")
    db.session.refresh(q)
    assert q.hidden_at is None


def test_contact_form_never_shows_the_address(client, login_as, outbox, setup):
    fiche, asker = setup["fiche"], setup["asker"]
    login_as(asker)
    html = client.get(f"/retours-experience/{fiche.id}").get_data(as_text=True)
    assert "thomas.auteur@ville-a.example" not in html
    assert "DSI" in html
    resp = client.post(f"/retours-experience/{fiche.id}/contact",
                       data={"body": "Pouvons-nous échanger ?"})
    assert resp.status_code == 302
    mails = [p.read_text() for p in outbox.glob("sharing-contact-*.eml")]
    assert len(mails) == 1
    assert "To: thomas.auteur@ville-a.example" in mails[0]
    assert f"Reply-To: {asker.email}" in mails[0]


def test_contact_refused_without_contact(org, setup):
    other = published_fiche(org)
    with pytest.raises(DomainError):
        qa.check_contact(setup["asker"], other, "Bonjour")


def test_inspire_creates_a_draft_project_linked_back(client, login_as, setup):
    fiche, asker = setup["fiche"], setup["asker"]
    login_as(asker)
    resp = client.post(f"/retours-experience/{fiche.id}/inspirer")
    project = db.session.scalar(select(Project).where(
        Project.organisation_id == asker.organisation_id))
    assert resp.status_code == 302 and f"/projets/{project.id}" in resp.location
    assert project.title == "Rendez-vous en ligne" and project.status == "idee"
    kinds = sorted(db.session.scalars(select(Action.kind).where(
        Action.project_id == project.id)))
    assert kinds == ["atelier", "cst"]
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "Inspiré de la fiche de Ville A" in page
    assert db.session.scalar(select(FicheReuse.organisation_id)) == asker.organisation_id
    login_as(setup["admin"])
    preview = client.get(f"/retours-experience/fiches/{fiche.id}/apercu").get_data(
        as_text=True)
    assert "en sont inspirées : 1" in preview


def test_inspire_refused_for_own_fiche_and_agents(setup):
    with pytest.raises(DomainError):
        qa.inspire(setup["lead"], setup["fiche"])
    with pytest.raises(NotAllowed):
        qa.inspire(factories.create_user(setup["asker"].organisation, ["agent"]),
                   setup["fiche"])


def test_authors_list_counts_unanswered_questions(client, login_as, setup):
    qa.ask(setup["asker"], setup["fiche"], "Une question ?", rate_limited=False)
    login_as(setup["lead"])
    html = client.get("/retours-experience/nos-fiches").get_data(as_text=True)
    assert f'/retours-experience/{setup["fiche"].id}#questions">1</a>' in html
