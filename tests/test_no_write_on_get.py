"""A GET writes nothing (issue 15): counted INSERT/UPDATE/DELETE statements while a
page is read, once the login session's at-most-once-a-minute touch is behind us."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from change_portal.extensions import db
from change_portal.roadmap.models import DashboardVisit
from forums import notify
from forums.models import Notification
from tests.forums import factories as ff
from tests.roadmap import factories as f

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def count_writes():
    writes: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def _get_twice(client, path):
    """The first GET may touch the login session or record a visit; the second, at
    once, must not write."""
    assert client.get(path).status_code == 200
    with count_writes() as writes:
        assert client.get(path).status_code == 200
    return writes


def test_dashboard_reload_writes_nothing(client, org, login_as):
    user = login_as("elected")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    project = f.create_project(org, objectives=[obj])
    f.create_action(project, [obj], planned_on=date.today() - timedelta(days=3))
    writes = _get_twice(client, "/feuille-de-route/tableau-de-bord")
    assert writes == []
    assert db.session.get(DashboardVisit, user.id) is not None  # the first GET recorded it


def test_topic_page_writes_nothing_when_nothing_is_unread(client, org, login_as):
    reader = login_as("agent")
    topic = ff.create_topic(org, title="Sujet lu", replies=3)
    writes = _get_twice(client, f"/forums/sujets/{topic.id}")
    assert writes == []
    assert db.session.scalar(select(Notification).where(Notification.user_id == reader.id)) \
        is None


def test_topic_page_marks_its_notifications_read_when_there_are(client, org, login_as):
    reader = login_as("agent")
    topic = ff.create_topic(org, title="Sujet suivi")
    (note,) = notify.notify_users({reader.id}, org.id, kind="reply", text="Nouvelle réponse",
                                  topic_id=topic.id)
    db.session.commit()
    client.get(f"/forums/sujets/{topic.id}")
    db.session.refresh(note)
    assert note.read_at is not None
    with count_writes() as writes:  # read now: the next visit writes nothing
        assert client.get(f"/forums/sujets/{topic.id}").status_code == 200
    assert writes == []


@pytest.mark.parametrize("path", ["/projets/{project}", "/api/v1/organisations/{slug}/roadmap"])
def test_project_page_and_open_data_write_nothing(client, org, login_as, path):
    lead = login_as("project_lead")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    project = f.create_project(org, objectives=[obj], lead=lead)
    f.create_action(project, [obj])
    org.roadmap_published = True
    writes = _get_twice(client, path.format(project=project.id, slug=org.slug))
    assert writes == []


def test_topic_page_shares_one_csrf_token_between_its_forms(app, client, org, login_as):
    """The token is rendered once and reused by every small form (issue 15); the
    forms still post with it."""
    import re

    login_as("agent")
    topic = ff.create_topic(org, title="Sujet aux formulaires", replies=3)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/forums/sujets/{topic.id}").get_data(as_text=True)
        tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert len(tokens) >= 5 and len(set(tokens)) == 1  # follow + 4 "Utile" + reply...
        post_id = re.search(r'action="/forums/messages/(\d+)/utile"', page).group(1)
        refused = client.post(f"/forums/messages/{post_id}/utile")
        assert refused.status_code == 400
        resp = client.post(f"/forums/messages/{post_id}/utile", data={"csrf_token": tokens[0]})
        assert resp.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_topic_page_writes_nothing_with_unread_notifications_elsewhere(client, org, login_as):
    reader = login_as("agent")
    topic = ff.create_topic(org, title="Sujet calme")
    other = ff.create_topic(org, title="Sujet animé")
    (note,) = notify.notify_users({reader.id}, org.id, kind="reply", text="Réponse ailleurs",
                                  topic_id=other.id)
    db.session.commit()
    writes = _get_twice(client, f"/forums/sujets/{topic.id}")
    assert writes == []
    db.session.refresh(note)
    assert note.read_at is None  # still unread: it belongs to the other topic
