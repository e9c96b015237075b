"""What the forums hold about a person (RGPD): export and erasure. Registered with
core.privacy by forums.setup.init_app.

Erasure keeps the discussions readable (posts, needs and endorsements stay, tied to
the anonymised account shown as "un ancien agent"), removes what only concerns the
person (subscriptions, notifications, email preference, "Utile" reactions, being a
moderator), and replaces their name in other people's notification texts.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from change_portal.core.privacy import PrivacyProvider
from change_portal.extensions import db
from forums.models import (
    Need,
    NeedEndorsement,
    Notification,
    NotificationPreference,
    Post,
    Reaction,
    Report,
    Subscription,
    Topic,
    category_moderator,
)


def _export(user) -> dict[str, list[dict]]:
    uid = user.id
    posts = db.session.execute(
        select(Post, Topic.title).join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == uid).order_by(Post.created_at)).all()
    endorsements = db.session.execute(
        select(NeedEndorsement, Topic.title).join(Need, Need.id == NeedEndorsement.need_id)
        .join(Topic, Topic.id == Need.topic_id).where(NeedEndorsement.user_id == uid)).all()
    notes = db.session.scalars(select(Notification).where(Notification.user_id == uid)
                               .order_by(Notification.created_at)).all()
    reports = db.session.scalars(select(Report).where(Report.reporter_id == uid)).all()
    pref = db.session.get(NotificationPreference, uid)
    return {
        "forums_messages": [
            {"sujet": title, "date": p.created_at, "texte": p.body,
             "sans_nom": p.anonymous, "supprime": p.deleted_at is not None}
            for p, title in posts],
        "forums_constats": [
            {"besoin": title, "date": e.created_at, "canal": e.channel, "note": e.note}
            for e, title in endorsements],
        "forums_notifications": [
            {"date": n.created_at, "texte": n.text, "lue": n.read_at} for n in notes],
        "forums_signalements": [
            {"date": r.created_at, "motif": r.reason} for r in reports],
        "forums_preferences": [{"courriels": pref.email_mode}] if pref else [],
    }


def _erase(user) -> None:
    uid = user.id
    user.unread_notifications = 0  # its notifications go just below
    for model in (Subscription, Notification, Reaction):
        db.session.execute(delete(model).where(model.user_id == uid)
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(NotificationPreference).where(
        NotificationPreference.user_id == uid))
    db.session.execute(delete(category_moderator).where(category_moderator.c.user_id == uid))
    name = (user.full_name or "").strip()
    if len(name) >= 3:
        for note in db.session.scalars(select(Notification).where(
                Notification.text.contains(name))):
            note.text = note.text.replace(name, "un ancien agent")
    db.session.execute(update(Report).where(Report.reporter_id == uid)
                       .values(reporter_id=None).execution_options(synchronize_session=False))
    db.session.flush()


PROVIDER = PrivacyProvider(
    name="forums",
    covers=frozenset({
        ("forum_category_moderator", "user_id"), ("forum_topic", "author_id"),
        ("forum_post", "author_id"), ("forum_post_revision", "editor_id"),
        ("forum_reaction", "user_id"), ("forum_need", "answer_drafted_by_id"),
        ("forum_need", "answer_validated_by_id"), ("forum_need_endorsement", "user_id"),
        ("forum_need_status_change", "actor_id"), ("forum_need_project", "linked_by_id"),
        ("forum_subscription", "user_id"), ("forum_notification", "user_id"),
        ("forum_notification_preference", "user_id"), ("forum_report", "reporter_id"),
        ("forum_report", "resolved_by_id"), ("forum_moderation_log", "actor_id"),
    }),
    export=_export,
    erase=_erase,
)
