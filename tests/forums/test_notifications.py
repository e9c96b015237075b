"""Mentions, following, in-portal notifications, immediate emails and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from change_portal.extensions import db
from forums import notify, services
from forums.models import EmailMode, Notification, NotificationPreference
from tests import factories
from tests.forums import factories as ff
from tests.mailbox import html_of, message, text_of


def _notes(user):
    return db.session.scalars(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)).all()


def test_mentions_by_handle_and_by_full_name_notify_colleagues_only(org, other_org):
    karim = factories.create_user(org, email="karim.benali@ville-a.fr", name="Karim Benali")
    julie = factories.create_user(org, email="jl@ville-a.fr", name="Julie Lefèvre")
    stranger = factories.create_user(other_org, email="karim.benali@ville-b.fr")
    author = factories.create_user(org)
    ff.create_topic(org, author, body="Qu'en pensez-vous @karim.benali et @[Julie Lefèvre] ?")
    assert [n.kind for n in _notes(karim)] == ["mention"]
    assert [n.kind for n in _notes(julie)] == ["mention"]
    assert _notes(stranger) == []
    assert _notes(author) == []


def test_email_addresses_are_not_mentions(org):
    karim = factories.create_user(org, email="karim@ville-a.fr")
    ff.create_topic(org, body="Écrivez à contact@karim.fr")
    assert _notes(karim) == []


def test_followers_of_topic_and_category_are_notified(org):
    author = factories.create_user(org)
    follower = factories.create_user(org)
    cat_follower = factories.create_user(org)
    cat = ff.category(org)
    notify.toggle_follow_category(cat_follower, cat)
    topic = ff.create_topic(org, author, cat=cat, title="Nouveau logiciel")
    assert [n.kind for n in _notes(cat_follower)] == ["sujet"]
    notify.toggle_follow_topic(follower, topic)
    services.reply(factories.create_user(org), topic, body="Moi aussi", rate_limited=False)
    assert [n.kind for n in _notes(follower)] == ["reponse"]
    assert [n.kind for n in _notes(author)] == ["reponse"]  # authors follow their topics


def test_anonymous_reply_does_not_reveal_author_in_notifications(org):
    author = factories.create_user(org)
    worries = ff.category(org, "Questions et inquiétudes")
    topic = ff.create_topic(org, author, cat=worries)
    secret = factories.create_user(org, name="Agent Discret")
    services.reply(secret, topic, body="Je m'inquiète", anonymous=True, rate_limited=False)
    texts = [n.text for n in _notes(author)]
    assert texts and "Agent Discret" not in texts[0] and "Un·e agent·e" in texts[0]


def test_unread_count_in_header_and_mark_read(client, org, login_as):
    user = login_as("agent")
    topic = ff.create_topic(org, body=f"Bonjour @{user.email.split('@')[0]}")
    page = client.get("/forums/").get_data(as_text=True)
    assert 'class="notif-count">1' in page
    client.get(f"/forums/sujets/{topic.id}")  # reading the topic reads its notifications
    page = client.get("/forums/").get_data(as_text=True)
    assert 'class="notif-count"' not in page
    ff.create_topic(org, body=f"Re @{user.email.split('@')[0]}")
    client.post("/forums/notifications/lues")
    assert notify.unread_count(user) == 0


def test_immediate_email_is_sent_once(client, org, login_as, outbox):
    user = factories.create_user(org, email="immediat@ville-a.fr")
    notify.set_preference(user, EmailMode.IMMEDIATE)
    login_as("agent")
    cat = ff.category(org)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "Question", "body": "Avis @immediat ?", "submit": "x"})
    assert resp.status_code == 302
    files = list(outbox.glob("forum-notif-*.eml"))
    assert len(files) == 1
    assert "immediat@ville-a.fr" in files[0].read_text()
    # a text and an HTML part, with the link to change or stop these e-mails
    msg = message(files[0])
    text, html = text_of(files[0]), html_of(files[0])
    assert "Gérer ou arrêter ces courriels : http://" in text and "/forums/notifications" in text
    assert '<a href="http://' in html and "/forums/notifications</a>" in html
    assert msg["List-Unsubscribe"].startswith("<http") and msg["Content-Language"] == "fr"
    assert "<script" not in html
    note = _notes(user)[0]
    assert note.emailed_at is not None
    assert notify.email_one(note) is False  # idempotent


def test_preferences_page_saves_choice(client, org, login_as):
    user = login_as("agent")
    resp = client.post("/forums/notifications/preferences", data={"email_mode": "immediat"})
    assert resp.status_code == 302
    assert db.session.get(NotificationPreference, user.id).email_mode == "immediat"
    resp = client.post("/forums/notifications/preferences", data={"email_mode": "pigeon"})
    assert resp.status_code == 400


def test_daily_digest_under_frozen_clock(org, outbox):
    digest_user = factories.create_user(org, email="resume@ville-a.fr")
    immediate_user = factories.create_user(org, email="tout-de-suite@ville-a.fr")
    silent_user = factories.create_user(org, email="silence@ville-a.fr")
    notify.set_preference(immediate_user, EmailMode.IMMEDIATE)
    notify.set_preference(silent_user, EmailMode.NONE)
    created = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    for user in (digest_user, immediate_user, silent_user):
        for i in range(2):
            n = notify.notify_users({user.id}, org.id, kind="mention", text=f"Note {i}")[0]
            n.created_at = created
    db.session.flush()
    # 05:30 UTC = 06:30 in Paris (winter): too early, yesterday's 7:00 is the threshold
    # and nobody got a digest yet, so the first run sends; then never twice.
    before_seven = datetime(2026, 11, 26, 5, 30, tzinfo=UTC)
    assert notify.send_digests(before_seven) == 1
    assert notify.send_digests(before_seven + timedelta(minutes=30)) == 0
    files = sorted(outbox.glob("forum-digest-*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "resume@ville-a.fr" in text and "Note 0" in text and "Note 1" in text
    # a new notification after the digest waits for the next 7:00 Paris
    later = notify.notify_users({digest_user.id}, org.id, kind="mention", text="Note 2")[0]
    later.created_at = datetime(2026, 11, 26, 5, 45, tzinfo=UTC)
    db.session.flush()
    assert notify.send_digests(datetime(2026, 11, 26, 5, 59, tzinfo=UTC)) == 0
    assert notify.send_digests(datetime(2026, 11, 26, 6, 0, tzinfo=UTC)) == 1  # 7:00 Paris
    assert notify.send_digests(datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) == 0
    assert len(list(outbox.glob("forum-digest-*.eml"))) == 2
    assert not any("silence@" in f.read_text() for f in outbox.glob("*.eml"))


def test_digest_threshold_is_seven_paris_time():
    summer = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)  # 07:00 in Paris (UTC+2)
    assert notify.digest_threshold(summer) == summer
    winter = datetime(2026, 12, 1, 5, 59, tzinfo=UTC)  # 06:59 in Paris
    assert notify.digest_threshold(winter) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_periodic_digest_job_is_registered(app):
    from change_portal.core.jobs import registered_periodic

    names = registered_periodic()
    assert "forums.jobs:send_daily_digests" in names
    assert names["forums.jobs:send_daily_digests"].every == timedelta(hours=1)


def test_mention_autocomplete_json(client, org, other_org, login_as):
    factories.create_user(org, name="Karim Benali", email="karim.benali@a.fr")
    factories.create_user(other_org, name="Karim Ailleurs", email="karim.x@b.fr")
    login_as("agent")
    data = client.get("/forums/collegues.json?q=kar").get_json()
    assert data == {"colleagues": [{"name": "Karim Benali", "handle": "karim.benali"}]}
    assert client.get("/forums/collegues.json?q=ben").get_json()["colleagues"]
    assert client.get("/forums/collegues.json?q=%25").get_json() == {"colleagues": []}


def test_retention_purges_old_notifications(org):
    from change_portal.core.retention import purge_older_than

    user = factories.create_user(org)
    old = notify.notify_users({user.id}, org.id, kind="mention", text="Ancienne")[0]
    old.created_at = datetime(2020, 1, 1, tzinfo=UTC)
    notify.notify_users({user.id}, org.id, kind="mention", text="Récente")
    db.session.flush()
    purge_older_than(365)
    assert [n.text for n in _notes(user)] == ["Récente"]


def test_digest_batch_retried_after_a_crash_mails_nobody_twice(org, outbox, monkeypatch):
    """A batch that dies in the middle (here: the third delivery fails) and is run
    again mails only those it had not reached; everyone gets one digest."""
    from change_portal.core import mail

    people = [factories.create_user(org, email=f"lot{i}@ville-a.fr") for i in range(4)]
    created = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    for person in people:
        for i in range(2):
            notify.notify_users({person.id}, org.id, kind="mention",
                                text=f"Note {i}")[0].created_at = created
    db.session.flush()
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    ids = notify.due_digest_users(now)
    assert ids == sorted(p.id for p in people)
    deliveries: list[str] = []
    real_deliver = mail._deliver

    def flaky(msg, key):
        if msg["To"] == "lot2@ville-a.fr" and "lot2@ville-a.fr" not in deliveries:
            deliveries.append("lot2@ville-a.fr")  # the crash happens before delivery
            raise ConnectionError("serveur de messagerie injoignable")
        deliveries.append(msg["To"])
        real_deliver(msg, key)

    monkeypatch.setattr(mail, "_deliver", flaky)
    try:
        notify.send_digest_batch(ids, now)
        raise AssertionError("the delivery should have failed")
    except ConnectionError:
        db.session.rollback()  # what the job runner does; the keys sent are committed
    assert len(list(outbox.glob("forum-digest-*.eml"))) == 2
    if db.session.get_bind().dialect.name == "postgresql":  # the relaxed commits are undone
        assert db.session.scalar(text("SHOW synchronous_commit")) == "on"
    assert notify.send_digest_batch(ids, now) == 2  # the retry: only those not reached
    assert notify.send_digest_batch(ids, now) == 0  # and a third run does nothing
    sent = [d for d in deliveries if d != "lot2@ville-a.fr"] + ["lot2@ville-a.fr"]
    assert sorted(sent) == sorted(p.email for p in people)  # each address once
    assert deliveries.count("lot2@ville-a.fr") == 2  # the failed try, then the delivery
    files = sorted(outbox.glob("forum-digest-*.eml"))
    assert len(files) == 4
    msg = message(files[0])
    assert msg["Subject"] == "Forums : votre résumé du jour (2)"
    assert msg["Content-Language"] == "fr" and msg["List-Unsubscribe"].startswith("<http")
    assert "Note 0" in text_of(files[0]) and "Note 1" in text_of(files[0])
    assert "/forums/notifications" in html_of(files[0])
    # every notification of the batch is marked, every preference records the digest
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id.in_(ids)).execution_options(populate_existing=True)).all()
    assert len(notes) == 8 and all(n.emailed_at is not None for n in notes)
    prefs = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id.in_(ids)).execution_options(populate_existing=True))
    assert sorted(p.user_id for p in prefs if p.last_digest_at) == ids
    assert notify.due_digest_users(now) == []
