"""Reports, the moderation queue, hide/restore, lock, pin, move and the log."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.extensions import db
from forums import services
from forums.models import ModerationLog, Report
from tests import factories
from tests.forums import factories as ff


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def test_report_then_moderator_hides_and_restores(client, org, login_as):
    topic = ff.create_topic(org)
    post = services.reply(factories.create_user(org), topic, body="Propos blessants",
                          rate_limited=False)
    login_as("agent")
    resp = client.post(f"/forums/messages/{post.id}/signaler", data={"reason": ""})
    assert "Expliquez en quelques mots" in _html(resp)
    client.post(f"/forums/messages/{post.id}/signaler", data={"reason": "Insultant"})
    report = db.session.scalar(select(Report).where(Report.post_id == post.id))
    assert report.reason == "Insultant" and report.resolved_at is None
    # a plain agent cannot hide
    assert client.post(f"/forums/messages/{post.id}/masquer").status_code == 403
    assert "Aucun message signalé" in _html(client.get("/forums/moderation"))

    login_as("admin")
    queue = _html(client.get("/forums/moderation"))
    assert "Insultant" in queue and "Propos blessants" in queue
    client.post(f"/forums/messages/{post.id}/masquer")
    assert post.hidden_at is not None and report.resolved_at is not None
    assert "Propos blessants" in _html(client.get(f"/forums/sujets/{topic.id}"))

    login_as("agent")
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert "Propos blessants" not in page and "Message masqué par la modération" in page

    login_as("admin")
    client.post(f"/forums/messages/{post.id}/restaurer")
    assert post.hidden_at is None
    actions = db.session.scalars(select(ModerationLog.action).where(
        ModerationLog.organisation_id == org.id).order_by(ModerationLog.id)).all()
    assert actions == ["masquer", "restaurer"]
    assert "masquer" in _html(client.get("/forums/moderation"))


def test_category_moderator_can_lock_pin_and_move(client, org, login_as):
    mod = factories.create_user(org, ["agent"])
    cat = ff.category(org)
    other = ff.category(org, "Idées")
    services.save_category(None, org, category=cat, name=cat.name, moderators=[mod])
    services.save_category(None, org, category=other, name=other.name, moderators=[mod])
    topic = ff.create_topic(org)
    login_as(mod)
    client.post(f"/forums/sujets/{topic.id}/verrou")
    client.post(f"/forums/sujets/{topic.id}/epingle")
    assert topic.locked and topic.pinned
    resp = client.post(f"/forums/sujets/{topic.id}/deplacer", data={"category_id": other.id})
    assert resp.status_code == 302 and topic.category_id == other.id
    log = db.session.scalars(select(ModerationLog).where(
        ModerationLog.topic_id == topic.id).order_by(ModerationLog.id)).all()
    assert [e.action for e in log] == ["verrouiller", "epingler", "deplacer"]
    assert log[-1].actor_id == mod.id and "Idées" in log[-1].details


def test_non_moderator_cannot_lock_or_move(client, org, login_as):
    topic = ff.create_topic(org)
    login_as("project_lead")
    assert client.post(f"/forums/sujets/{topic.id}/verrou").status_code == 403
    assert client.get(f"/forums/sujets/{topic.id}/deplacer").status_code == 403
    assert not topic.locked


def test_move_to_unknown_category_is_not_a_500(client, org, login_as):
    topic = ff.create_topic(org)
    login_as("admin")
    resp = client.post(f"/forums/sujets/{topic.id}/deplacer", data={"category_id": 999999})
    assert resp.status_code == 200


def test_pinned_topics_come_first(client, org, login_as):
    admin = factories.create_user(org, ["admin"])
    first = ff.create_topic(org, title="Ancien mais épinglé")
    ff.create_topic(org, title="Plus récent")
    services.set_pinned(admin, first, True)
    login_as("agent")
    page = _html(client.get(f"/forums/categories/{first.category_id}"))
    assert page.index("Ancien mais épinglé") < page.index("Plus récent")


def test_moderation_log_is_for_moderators_only(client, org, login_as):
    admin = factories.create_user(org, ["admin"])
    topic = ff.create_topic(org, title="Sujet verrouillé discrètement")
    services.set_locked(admin, topic, True)
    login_as("agent")
    page = _html(client.get("/forums/moderation"))
    assert "Sujet verrouillé discrètement" not in page
    assert "/forums/moderation" not in _html(client.get("/forums/"))
    login_as(admin)
    assert "Sujet verrouillé discrètement" in _html(client.get("/forums/moderation"))
