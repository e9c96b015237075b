"""Access rules of the forums domain."""

from change_portal.extensions import db
from forums import services
from tests import factories
from tests.access import MEMBER, Rule, roles
from tests.forums import factories as ff

ADMIN = roles("admin")
MANAGERS = roles("admin", "project_lead")
LEADS = roles("project_lead")

RULES = {
    "forums.index": Rule(MEMBER),
    "forums.category": Rule(MEMBER),
    "forums.new_topic": Rule(MEMBER, form={"title": "Titre", "body": "Texte"}),
    "forums.topic": Rule(MEMBER),
    "forums.reply": Rule(MEMBER, form={"body": "Texte"}),
    "forums.edit_post": Rule(MEMBER, form={"body": "Texte modifié"}),
    "forums.delete_post": Rule(MEMBER),
    "forums.useful": Rule(MEMBER),
    "forums.accept": Rule(MEMBER),
    "forums.follow_topic": Rule(MEMBER),
    "forums.follow_category": Rule(MEMBER),
    "forums.report": Rule(MEMBER, form={"reason": "Propos déplacés"}),
    "forums.moderation": Rule(MEMBER),
    "forums.hide_post": Rule(MEMBER),
    "forums.restore_post": Rule(MEMBER),
    "forums.dismiss_reports": Rule(MEMBER),
    "forums.toggle_lock": Rule(MEMBER),
    "forums.toggle_pin": Rule(MEMBER),
    "forums.move_topic": Rule(MEMBER),
    "forums.post_history": Rule(MEMBER),
    "forums.admin_categories": Rule(ADMIN),
    "forums.new_category": Rule(ADMIN, form={"name": "Nouvelle"}),
    "forums.edit_category": Rule(ADMIN, form={"name": "Renommée"}),
    "forums.needs_board": Rule(MEMBER),
    "forums.needs_export": Rule(MEMBER),
    "forums.new_need": Rule(MEMBER),
    "forums.need": Rule(MEMBER),
    "forums.endorse": Rule(MEMBER, form={"note": "Vu aussi"}),
    "forums.withdraw_endorsement": Rule(MEMBER),
    "forums.edit_need": Rule(MEMBER, form={"public": "autre", "channel": "courrier",
                                           "frequency": "rare", "impact": "faible"}),
    "forums.need_status": Rule(MANAGERS, form={"status": "qualifie"}),
    "forums.link_project": Rule(MANAGERS),
    "forums.draft_answer": Rule(LEADS, form={"answer": "Voici la réponse."}),
    "forums.validate_answer": Rule(MANAGERS),
    "forums.notifications": Rule(MEMBER),
    "forums.mark_read": Rule(MEMBER),
    "forums.preferences": Rule(MEMBER, form={"email_mode": "resume"}),
    "forums.colleagues": Rule(MEMBER),
    "forums.search_page": Rule(MEMBER),
}


# objects() depends on the acting person (tests/test_access.py builds a set per role).
ACTOR_OBJECTS = True


def objects(org, users) -> dict:
    """URL parameter values for rows of the forums domain owned by `org`. The acting
    member authors the topic and moderates its category, so that every member role
    reaches every route (the refusals are tested in tests/forums/)."""
    actor = next((u for u in users.values() if u.organisation_id == org.id), None)
    actor = actor or factories.create_user(org, ["agent"])
    cat = ff.category(org)
    if actor.id not in {m.id for m in cat.moderators}:
        cat.moderators.append(actor)
    db.session.flush()
    topic = ff.create_topic(org, actor, cat=cat)
    post = services.first_post(topic)
    need = ff.create_need(org, actor)  # its author may edit it
    return {"category_id": cat.id, "topic_id": topic.id, "post_id": post.id,
            "need_id": need.id}
