"""Access rules of the sharing domain (retours d'expérience).

The objects are a DRAFT fiche of `org` and its project: every member role reaches
the routes (an unpublished fiche answers 404 on the shared pages, which the table
accepts), and a member of another collectivité gets 404 everywhere — the shared
pages open only for published fiches (tests/sharing/test_isolation.py)."""

from change_portal.extensions import db
from change_portal.sharing.models import FicheQuestion
from tests import factories
from tests.access import MEMBER, Rule, roles
from tests.roadmap import factories as rf

AUTHORS = roles("project_lead", "admin")

RULES = {
    "sharing.catalogue": Rule(MEMBER),
    "sharing.fiche": Rule(MEMBER),
    "sharing.mark_interest": Rule(MEMBER),
    "sharing.mine": Rule(AUTHORS),
    "sharing.new": Rule(AUTHORS),
    "sharing.edit": Rule(AUTHORS, form={"title": "Fiche"}),
    "sharing.preview": Rule(AUTHORS),
    "sharing.submit": Rule(AUTHORS),
    "sharing.validate": Rule(AUTHORS),
    "sharing.reject": Rule(AUTHORS),
    "sharing.unpublish": Rule(roles("admin")),
    "sharing.refresh": Rule(AUTHORS),
    "sharing.history": Rule(AUTHORS),
    "sharing.ask": Rule(MEMBER, form={"body": "Une question"}),
    "sharing.answer": Rule(MEMBER, form={"body": "Une réponse"}),
    "sharing.report": Rule(MEMBER, form={"reason": "Propos déplacés"}),
    # the operator moderates every fiche: cross-tenant by design (admins of another
    # collectivité get 404: tests/sharing/test_isolation.py)
    "sharing.hide": Rule(roles("admin", "operator"), tenant=False),
    "sharing.moderation": Rule(roles("admin", "operator"), tenant=False),
    "sharing.contact": Rule(MEMBER, form={"body": "Bonjour"}),
    "sharing.inspire": Rule(roles("project_lead")),
}


def objects(org, users) -> dict:
    from change_portal.sharing import services

    author = factories.create_user(org, ["project_lead"])
    project = rf.create_project(org, title="Projet partagé")
    fiche = services.draft_from_project(author, project)
    # A question on the draft (as if left from before an unpublication): it must
    # stay unreachable like the fiche itself.
    question = FicheQuestion(fiche_id=fiche.id, organisation_id=org.id, author_id=author.id,
                             body="Question", body_html="<p>Question</p>")
    db.session.add(question)
    db.session.flush()
    return {"fiche_id": fiche.id, "project_id": project.id, "question_id": question.id}
