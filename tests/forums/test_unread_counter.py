"""The header's unread count is a counter on the membership (issue 15), never a COUNT
per page: it must follow every way a notification is created, read or removed, and a
page loaded right after shows the new value."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from change_portal.accounts.models import User
from change_portal.core.models import utcnow
from change_portal.extensions import db
from forums import hooks, notify, privacy, services
from forums.models import Notification
from tests import factories
from tests.forums import factories as ff


def _header_count(client) -> int:
    page = client.get("/forums/").get_data(as_text=True)
    found = re.search(r'class="notif-count">(\d+)', page)
    return int(found.group(1)) if found else 0


def _counter(user) -> int:
    return db.session.scalar(select(User.unread_notifications).where(User.id == user.id))


def _consistent(user) -> int:
    """The counter equals the true COUNT; returns it."""
    assert _counter(user) == notify.unread_count(user)
    return _counter(user)


def test_header_follows_replies_reading_and_mark_all_read(client, org, login_as):
    reader = login_as("agent")
    handle = reader.email.split("@")[0]
    assert _header_count(client) == 0
    first = ff.create_topic(org, body=f"Bonjour @{handle}")
    second = ff.create_topic(org, body=f"Et ici @{handle}")
    notify.follow_topic(reader, second)
    services.reply(factories.create_user(org), second, body="Une réponse",
                   rate_limited=False)
    db.session.commit()
    assert _consistent(reader) == 3
    assert _header_count(client) == 3

    assert client.get(f"/forums/sujets/{first.id}").status_code == 200  # reads its one
    assert _header_count(client) == 2
    assert _consistent(reader) == 2

    assert client.post("/forums/notifications/lues").status_code == 302
    assert _header_count(client) == 0
    assert _consistent(reader) == 0
    client.post("/forums/notifications/lues")  # nothing left: never below zero
    assert _consistent(reader) == 0


def test_one_notification_for_several_people_counts_once_each(org):
    people = [factories.create_user(org) for _ in range(3)]
    notify.notify_users({p.id for p in people}, org.id, kind="reply", text="Pour vous")
    notify.notify_users({people[0].id}, org.id, kind="reply", text="Encore pour vous")
    assert [_consistent(p) for p in people] == [2, 1, 1]


def test_the_retention_purge_lowers_the_counters(org):
    user = factories.create_user(org)
    other = factories.create_user(org)
    notify.notify_users({user.id, other.id}, org.id, kind="reply", text="Ancienne")
    db.session.execute(update(Notification).values(created_at=utcnow() - timedelta(days=400)))
    notify.notify_users({user.id}, org.id, kind="reply", text="Récente")
    topic = ff.create_topic(org)
    (read,) = notify.notify_users({other.id}, org.id, kind="reply", text="Lue",
                                  topic_id=topic.id)
    notify.mark_topic_read(other, topic.id)
    read.created_at = utcnow() - timedelta(days=400)
    db.session.flush()
    assert (_consistent(user), _consistent(other)) == (2, 1)
    assert hooks.purge_old_notifications(utcnow() - timedelta(days=365)) == 3
    assert (_consistent(user), _consistent(other)) == (1, 0)


def test_erasing_a_person_empties_their_counter(org):
    user = factories.create_user(org)
    notify.notify_users({user.id}, org.id, kind="reply", text="À effacer")
    privacy._erase(user)
    assert _consistent(user) == 0


def test_the_header_reads_the_counter_without_a_query(client, org, login_as):
    from sqlalchemy import event

    reader = login_as("agent")
    notify.notify_users({reader.id}, org.id, kind="reply", text="Une")
    db.session.commit()
    counted: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if "forum_notification" in statement:
            counted.append(statement)

    assert _header_count(client) == 1
    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        assert _header_count(client) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert counted == []
