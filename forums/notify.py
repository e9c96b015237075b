"""Notifications: following, @mentions, in-portal notifications, email preferences,
immediate emails and the daily digest.

Mention syntax (documented in forums/README.md): `@prenom.nom` — the part of a
colleague's email address before the "@" — or `@[Prénom Nom]` with the full name in
square brackets. Only colleagues of the same collectivité are matched.

Emails are never sent from a request: services record the notifications and queue one
job per immediate email for after the commit (core.transactions): it runs once the
view commits, and never if the transaction rolls back.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy import text as sql_text

from change_portal.accounts.models import User
from change_portal.core import links
from change_portal.core.errors import DomainError
from change_portal.core.mail import SentMail, build_bulk_message, build_message, send_message
from change_portal.core.models import utcnow
from change_portal.core.transactions import enqueue_after_commit
from change_portal.extensions import db
from forums.access import access_of, sees
from forums.models import (
    Category,
    EmailMode,
    Notification,
    NotificationPreference,
    Post,
    Subscription,
    Topic,
)

PARIS = ZoneInfo("Europe/Paris")
DIGEST_HOUR = 7
MENTION_LOCAL = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63}[A-Za-z0-9])")
MENTION_NAME = re.compile(r"(?<![\w@])@\[([^\[\]\n]{2,120})\]")


# --- following ---------------------------------------------------------------------

def is_following_topic(user: User, topic: Topic) -> bool:
    return db.session.scalar(select(Subscription.id).where(
        Subscription.user_id == user.id, Subscription.topic_id == topic.id)) is not None


def follow_topic(user: User, topic: Topic) -> None:
    """Follow a topic (idempotent)."""
    if not is_following_topic(user, topic):
        db.session.add(Subscription(organisation_id=topic.organisation_id, user_id=user.id,
                                    topic_id=topic.id))
        db.session.flush()


def toggle_follow_topic(user: User, topic: Topic) -> bool:
    """Follow or stop following; True when now following."""
    sub = db.session.scalar(select(Subscription).where(
        Subscription.user_id == user.id, Subscription.topic_id == topic.id))
    if sub is None:
        follow_topic(user, topic)
        return True
    db.session.delete(sub)
    db.session.flush()
    return False


def toggle_follow_category(user: User, category: Category) -> bool:
    sub = db.session.scalar(select(Subscription).where(
        Subscription.user_id == user.id, Subscription.category_id == category.id))
    if sub is None:
        db.session.add(Subscription(organisation_id=category.organisation_id, user_id=user.id,
                                    category_id=category.id))
        db.session.flush()
        return True
    db.session.delete(sub)
    db.session.flush()
    return False


# --- mentions ------------------------------------------------------------------------

def mentioned_users(organisation_id: int, body: str) -> list[User]:
    """Colleagues named in `body` (one query, whatever the number of mentions)."""
    locals_ = {m.lower() for m in MENTION_LOCAL.findall(body or "")}
    names = {" ".join(m.split()).lower() for m in MENTION_NAME.findall(body or "")}
    if not locals_ and not names:
        return []
    conditions = []
    if locals_:
        conditions += [func.lower(User.email).like(x.replace("_", "\\_") + "@%", escape="\\")
                       for x in sorted(locals_)[:20]]
    if names:
        conditions.append(func.lower(User.full_name).in_(list(names)[:20]))
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.active.is_(True),
                           User.erased_at.is_(None), or_(*conditions)).limit(20)))


def colleagues_matching(organisation_id: int, term: str, limit: int = 8) -> list[dict]:
    """For the @mention autocomplete: colleagues whose name or email starts like `term`."""
    term = (term or "").strip().lower()[:60]
    if len(term) < 2:
        return []
    pattern = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = db.session.execute(
        select(User.full_name, User.email).where(
            User.organisation_id == organisation_id, User.active.is_(True),
            User.erased_at.is_(None),
            or_(func.lower(User.full_name).like(pattern, escape="\\"),
                func.lower(User.full_name).like("% " + pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\")),
        ).order_by(User.full_name).limit(limit)
    ).all()
    return [{"name": r.full_name, "handle": (r.email or "").split("@")[0]} for r in rows]


# --- creating notifications -------------------------------------------------------------

def _preferences(user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(select(NotificationPreference.user_id,
                                     NotificationPreference.email_mode)
                              .where(NotificationPreference.user_id.in_(user_ids))).all()
    return {r.user_id: r.email_mode for r in rows}


def notify_users(user_ids: set[int], organisation_id: int, *, kind: str, text: str,
                 topic_id: int | None = None, post_id: int | None = None) -> list[Notification]:
    """Record one notification per person; queue the immediate emails for after the
    commit."""
    user_ids = {u for u in user_ids if u}
    if not user_ids:
        return []
    prefs = _preferences(list(user_ids))
    made = []
    for uid in sorted(user_ids):
        n = Notification(organisation_id=organisation_id, user_id=uid, kind=kind,
                         text=text[:300], topic_id=topic_id, post_id=post_id)
        db.session.add(n)
        made.append(n)
    db.session.flush()
    # The header's counters: an increment (not a recount), so that two notifications
    # created at once for the same person both count (the row lock orders them).
    db.session.execute(update(User).where(User.id.in_(sorted(user_ids)))
                       .values(unread_notifications=User.unread_notifications + 1))
    from forums.jobs import send_notification_email  # forums.jobs imports this module

    for n in made:
        if prefs.get(n.user_id, EmailMode.DIGEST) == EmailMode.IMMEDIATE:
            enqueue_after_commit(send_notification_email, n.id, job_id=f"forum-notif-{n.id}")
    return made


def _visible_to(user_ids: set[int], category: Category) -> set[int]:
    """Keep the people allowed to see the category (one query)."""
    if not user_ids:
        return set()
    users = db.session.scalars(select(User).where(User.id.in_(user_ids),
                                                  User.active.is_(True))).all()

    access = access_of(category)  # once, not per person
    return {u.id for u in users if sees(u, access)}


def author_label(post_or_topic, viewer: User | None = None, moderator: bool = False) -> str:
    """The name shown for an author: hidden for anonymous posts unless moderator
    or the author themselves."""
    author = post_or_topic.author
    if author is None:
        return _("un ancien agent")
    if post_or_topic.anonymous and not moderator and (viewer is None or viewer.id != author.id):
        return _("Un·e agent·e")
    return author.display_name


def on_new_post(actor: User, topic: Topic, post: Post, *, new_topic: bool) -> None:
    """Notify mentioned colleagues, followers of the topic, and (new topics)
    followers of the category."""
    who = _("Un·e agent·e") if post.anonymous else actor.display_name
    category = topic.category
    mentioned = {u.id for u in mentioned_users(topic.organisation_id, post.body)} - {actor.id}
    mentioned = _visible_to(mentioned, category)
    notify_users(mentioned, topic.organisation_id, kind="mention",
                 text=_("%(who)s vous a cité·e dans « %(title)s »", who=who, title=topic.title),
                 topic_id=topic.id, post_id=post.id)
    conditions = [Subscription.topic_id == topic.id]
    if new_topic:
        conditions.append(Subscription.category_id == category.id)
    followers = set(db.session.scalars(select(Subscription.user_id).where(or_(*conditions))))
    followers = _visible_to(followers - {actor.id} - mentioned, category)
    text = (_("Nouveau sujet dans « %(cat)s » : %(title)s", cat=category.name, title=topic.title)
            if new_topic else
            _("%(who)s a répondu dans « %(title)s »", who=who, title=topic.title))
    notify_users(followers, topic.organisation_id, kind="sujet" if new_topic else "reponse",
                 text=text, topic_id=topic.id, post_id=post.id)


def notify_topic_followers(actor: User | None, topic: Topic, text: str, kind: str) -> None:
    followers = set(db.session.scalars(select(Subscription.user_id).where(
        Subscription.topic_id == topic.id)))
    if actor is not None:
        followers.discard(actor.id)
    notify_users(_visible_to(followers, topic.category), topic.organisation_id, kind=kind,
                 text=text, topic_id=topic.id)


# --- reading -----------------------------------------------------------------------
# `user.unread_notifications` is the header's count (read with the login session, no
# query per page). It moves only by deltas of the rows actually changed (+1 per
# notification created, −rowcount when marking read or purging), so that concurrent
# requests cannot overwrite each other's update with a stale recount.

def unread_count(user: User) -> int:
    """The true number of unread notifications (a COUNT; the header reads the
    counter `user.unread_notifications` instead)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def topic_state(user: User, topic_id: int) -> tuple[bool, int]:
    """(follows the topic, unread notifications of the topic) in one statement: what
    the topic page needs, the same query whether or not anything is unread."""
    row = db.session.execute(_topic_state_statement(), {"uid": user.id, "tid": topic_id}).one()
    return bool(row[0]), int(row[1] or 0)


# Built once per process with bound parameters (read on every topic page).
@functools.cache
def _topic_state_statement():
    uid, tid = bindparam("uid"), bindparam("tid")
    following = (select(Subscription.id).where(Subscription.user_id == uid,
                                               Subscription.topic_id == tid)
                 .exists())
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == uid, Notification.topic_id == tid,
                     Notification.read_at.is_(None))
              .scalar_subquery())
    return select(following, unread)


def _discount(user_id: int, n: int) -> None:
    if n:
        db.session.execute(update(User).where(User.id == user_id).values(
            unread_notifications=case((User.unread_notifications > n,
                                       User.unread_notifications - n), else_=0)))


def mark_topic_read(user: User, topic_id: int) -> None:
    """Mark the notifications of a topic read (and lower the header's counter)."""
    changed = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.topic_id == topic_id,
        Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount or 0
    _discount(user.id, changed)


def mark_all_read(user: User) -> None:
    """Mark every notification of `user` read (and lower the header's counter)."""
    changed = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    ).values(read_at=utcnow())).rowcount or 0
    _discount(user.id, changed)


def discount_unread_before_purge(cutoff: datetime) -> None:
    """Lower the counters by the unread notifications older than `cutoff`, which the
    retention purge is about to delete (one statement, whatever the number of people)."""
    purged = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None),
                     Notification.created_at < cutoff)
              .scalar_subquery())
    db.session.execute(
        update(User)
        .where(User.unread_notifications > 0, purged > 0)
        .values(unread_notifications=case((User.unread_notifications > purged,
                                           User.unread_notifications - purged), else_=0))
        .execution_options(synchronize_session=False))


def get_preference(user: User) -> NotificationPreference:
    pref = db.session.get(NotificationPreference, user.id)
    if pref is None:
        pref = NotificationPreference(user_id=user.id, email_mode=EmailMode.DIGEST)
    return pref


def set_preference(user: User, mode: str) -> NotificationPreference:
    """Choose immediate emails, a daily digest, or none."""
    if mode not in {m.value for m in EmailMode}:
        raise DomainError(_("Choisissez une des options proposées."), field="email_mode")
    pref = db.session.get(NotificationPreference, user.id)
    if pref is None:
        pref = NotificationPreference(user_id=user.id)
        db.session.add(pref)
    pref.email_mode = mode
    db.session.flush()
    return pref


# --- emails ------------------------------------------------------------------------

def _topic_url(topic_id: int | None) -> str:
    base = links.base_url()
    if topic_id is None:
        return base.rstrip("/") + "/forums/notifications"
    try:
        path = url_for("forums.topic", topic_id=topic_id)
    except RuntimeError:
        path = f"/forums/sujets/{topic_id}"
    return base.rstrip("/") + path


def email_one(notification: Notification) -> bool:
    """Send the immediate email of one notification (idempotent)."""
    if notification.emailed_at is not None or notification.read_at is not None:
        return False
    user = db.session.get(User, notification.user_id)
    if user is None or not user.email or not user.is_active:
        return False
    if get_preference(user).email_mode != EmailMode.IMMEDIATE:
        return False
    with force_locale(user.locale or "fr"):
        body = "\n".join([
            _("Bonjour %(name)s,", name=user.full_name), "",
            notification.text, _topic_url(notification.topic_id), "",
            _("Vous recevez ce courriel car vous avez choisi d'être prévenu·e à chaque "
              "notification. Modifiez ce choix dans « Mes notifications »."),
        ])
        msg = build_message(user.email, _("Forums : %(text)s", text=notification.text)[:200],
                            body, manage_url=links.external_for("forums.notifications"))
    send_message(msg, key=f"forum-notif-{notification.id}")
    notification.emailed_at = utcnow()
    return True


def digest_threshold(now: datetime) -> datetime:
    """The latest 7:00 (Europe/Paris) at or before `now`, in UTC."""
    local = now.astimezone(PARIS)
    day = local.date() if local.time() >= time(DIGEST_HOUR) else local.date() - timedelta(1)
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=PARIS).astimezone(now.tzinfo)


def due_digest_users(now: datetime) -> list[int]:
    """Ids of the people owed a digest at `now` (chose the digest, the default;
    unread notifications not yet emailed; no digest since the last 7:00 Paris)."""
    threshold = digest_threshold(now)
    return list(db.session.scalars(
        select(Notification.user_id).distinct()
        .join(User, User.id == Notification.user_id)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == Notification.user_id)
        .where(
            Notification.read_at.is_(None), Notification.emailed_at.is_(None),
            Notification.created_at <= now,
            User.active.is_(True), User.email.is_not(None), User.erased_at.is_(None),
            func.coalesce(NotificationPreference.email_mode, EmailMode.DIGEST.value)
            == EmailMode.DIGEST.value,
            or_(NotificationPreference.last_digest_at.is_(None),
                NotificationPreference.last_digest_at < threshold),
        ).order_by(Notification.user_id)
    ).all())


DIGEST_ITEMS = 200  # notifications listed in one digest at most
_IN_CHUNK = 900  # ids per IN list (SQLite's bound parameters)


def _chunks(ids: list[int], size: int = _IN_CHUNK):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def send_digest_batch(user_ids: list[int], now: datetime) -> int:
    """Send the digest of each of `user_ids` (a batch of about 500 people, one job).

    Set-based: the recipients with their preference, their notifications (at most
    DIGEST_ITEMS each) and the keys already delivered are read in three queries for
    the whole batch; then one message per person, each recorded in `sent_mail` and
    committed right after its delivery (core.mail.send_message), so that a batch
    retried after a crash mails nobody twice; at the end, one UPDATE marks the
    notifications emailed and one upsert records the preferences' last digest, for
    everyone of the batch whose message is delivered (by this run or an earlier one).
    Returns the number of messages sent by this run."""
    threshold = digest_threshold(now)
    day = threshold.astimezone(PARIS).date().isoformat()
    people = db.session.execute(
        select(User.id, User.email, User.full_name, User.locale,
               NotificationPreference.user_id.label("has_pref"))
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id.in_(user_ids), User.active.is_(True), User.email.is_not(None),
               User.erased_at.is_(None),
               func.coalesce(NotificationPreference.email_mode, EmailMode.DIGEST.value)
               == EmailMode.DIGEST.value,
               or_(NotificationPreference.last_digest_at.is_(None),
                   NotificationPreference.last_digest_at < threshold))
        .order_by(User.id)).all() if user_ids else []
    if not people:
        return 0
    ranked = (select(Notification.id, Notification.user_id, Notification.text,
                     Notification.topic_id,
                     func.row_number().over(partition_by=Notification.user_id,
                                            order_by=(Notification.created_at,
                                                      Notification.id)).label("rank"))
              .where(Notification.user_id.in_([p.id for p in people]),
                     Notification.read_at.is_(None), Notification.emailed_at.is_(None),
                     Notification.created_at <= now)
              .subquery())
    items: dict[int, list] = {}
    for row in db.session.execute(
            select(ranked.c.id, ranked.c.user_id, ranked.c.text, ranked.c.topic_id)
            .where(ranked.c.rank <= DIGEST_ITEMS).order_by(ranked.c.user_id, ranked.c.rank)):
        items.setdefault(row.user_id, []).append(row)
    keys = {p.id: f"forum-digest-{p.id}-{day}" for p in people if p.id in items}
    delivered = set(db.session.scalars(
        select(SentMail.key).where(SentMail.key.in_(list(keys.values())))))
    manage = links.external_for("forums.notifications")
    relaxed = db.session.get_bind().dialect.name == "postgresql"
    if relaxed:
        # Each message's transaction records only its key: PostgreSQL may acknowledge
        # those commits before the disk flush (one fsync per message was most of the
        # batch's time). A crashed or retried worker still finds every key; only a
        # crash of the database server itself could lose the last fraction of a
        # second of them. Reset below, so the pooled connection keeps no trace.
        db.session.execute(sql_text("SET synchronous_commit TO off"))
    try:
        sent = _deliver_digests(people, items, keys, delivered, manage)
    except BaseException:
        if relaxed:  # the SET was committed with the first key: undo it on its own
            db.session.rollback()
            db.session.execute(sql_text("RESET synchronous_commit"))
            db.session.commit()
        raise
    if relaxed:
        db.session.execute(sql_text("RESET synchronous_commit"))
    done = [p for p in people if p.id in keys]
    notification_ids = [n.id for p in done for n in items[p.id]]
    for chunk in _chunks(notification_ids):
        db.session.execute(update(Notification).where(Notification.id.in_(chunk))
                           .values(emailed_at=now))
    with_pref = [p.id for p in done if p.has_pref is not None]
    for chunk in _chunks(with_pref):
        db.session.execute(update(NotificationPreference)
                           .where(NotificationPreference.user_id.in_(chunk))
                           .values(last_digest_at=now))
    without = [{"user_id": p.id, "email_mode": EmailMode.DIGEST.value, "last_digest_at": now}
               for p in done if p.has_pref is None]
    if without:
        db.session.execute(insert(NotificationPreference), without)
    db.session.flush()
    return sent


def send_digests(now: datetime | None = None, batch: int = 500) -> int:
    """Send each person who chose the daily digest (the default) one email with
    their unread notifications not yet emailed, once per day at or after 7:00
    Europe/Paris, batch after batch in this process (the periodic job queues one
    job per batch instead). Idempotent: last_digest_at records the run. Returns
    the count."""
    now = now or utcnow()
    due = due_digest_users(now)
    return sum(send_digest_batch(chunk, now) for chunk in _chunks(due, batch))


def _deliver_digests(people, items, keys, delivered, manage) -> int:
    """One message per person of the batch not delivered yet; returns the count."""
    urls: dict[int | None, str] = {}
    sent = 0
    for person in people:
        rows = items.get(person.id)
        if not rows or keys[person.id] in delivered:
            continue
        for n in rows:
            if n.topic_id not in urls:
                urls[n.topic_id] = _topic_url(n.topic_id)
        with force_locale(person.locale or "fr"):
            lines = [_("Bonjour %(name)s,", name=person.full_name), "",
                     _("Voici ce qui s'est passé dans les forums :"), ""]
            for n in rows:
                lines += [f"- {n.text}", f"  {urls[n.topic_id]}"]
            lines += ["", _("Vous recevez ce résumé une fois par jour. Modifiez ce choix "
                            "dans « Mes notifications ».")]
            msg = build_bulk_message(
                person.email, _("Forums : votre résumé du jour (%(n)d)", n=len(rows)),
                "\n".join(lines), manage_url=manage, language=person.locale or "fr")
        send_message(msg, key=keys[person.id], checked=True)  # commits: see its docstring
        sent += 1
    return sent
