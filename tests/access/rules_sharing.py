"""Access rules of the sharing domain (retours d'expérience).

The objects are a DRAFT fiche of `org` and its project: every member role reaches
the routes (an unpublished fiche answers 404 on the shared pages, which the table
accepts), and a member of another collectivité gets 404 everywhere — the shared
pages open only for published fiches (tests/sharing/test_isolation.py)."""

from datetime import date

from change_portal.extensions import db
from change_portal.sharing.models import EventProposal, FicheQuestion, SharingEvent
from tests import factories
from tests.access import ANY_USER, MEMBER, Rule, roles
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
    "sharing.upload": Rule(AUTHORS),
    "sharing.withdraw_attachment": Rule(AUTHORS),
    "sharing.attachment": Rule(MEMBER),
    # journées de partage: platform-wide (no tenant)
    "sharing.events_index": Rule(ANY_USER, tenant=False),
    "sharing.event": Rule(ANY_USER, tenant=False),
    "sharing.new_event": Rule(roles("operator"), tenant=False,
                              form={"title": "Journée", "held_on": "2030-01-01"}),
    "sharing.edit_event": Rule(roles("operator"), tenant=False),
    "sharing.propose": Rule(AUTHORS, form={"fiche_id": "0"}),
    "sharing.accept_proposal": Rule(roles("operator"), tenant=False),
    "sharing.attend": Rule(MEMBER, tenant=False),
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
    event = SharingEvent(title="Journée", held_on=date(2030, 1, 1))
    db.session.add(event)
    db.session.flush()
    proposal = EventProposal(event_id=event.id, fiche_id=fiche.id)
    db.session.add(proposal)
    db.session.flush()
    attachment = services.upload_attachment(author, fiche, "Plan", b"%PDF-1.4 plan")
    return {"fiche_id": fiche.id, "project_id": project.id, "question_id": question.id,
            "attachment_id": attachment.id,
            "event_id": event.id, "proposal_id": proposal.id}
