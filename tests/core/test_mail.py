"""E-mails are delivered once: the key of each message is recorded right after
the delivery and checked before it, so a retried job (a worker killed, a
connection lost) does not mail the same person twice — over SMTP too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from change_portal.core import jobs
from change_portal.core.mail import SentMail, build_message, send_message
from change_portal.extensions import db
from forums import notify
from forums.jobs import send_digest_batch
from forums.models import Notification, NotificationPreference
from tests import factories
from tests.smtp_sink import SmtpSink


@pytest.fixture
def smtp(app):
    sink = SmtpSink()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False)
    yield sink
    app.config.update(saved)
    sink.close()


def test_the_same_key_is_delivered_once(app, smtp):
    msg = build_message("une@ville-a.fr", "Sujet", "Texte")
    assert send_message(msg, key="test-once-1") is True
    db.session.rollback()  # the job fails after the delivery: the key is kept
    assert send_message(msg, key="test-once-1") is False
    assert smtp.count_to("une@ville-a.fr") == 1
    assert db.session.get(SentMail, "test-once-1") is not None


def _digest_people(org, n: int):
    people = [factories.create_user(org, email=f"resume-{i}@ville-a.fr") for i in range(n)]
    for person in people:
        notify.notify_users({person.id}, org.id, kind="mention", text="Une mention")[0]\
            .created_at = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    db.session.commit()
    return people


def test_a_retried_digest_batch_does_not_mail_anyone_twice(app, org, smtp):
    people = _digest_people(org, 3)
    smtp.refuse[people[2].email] = 1  # the third delivery fails once: the job is retried
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    jobs.enqueue(send_digest_batch, [p.id for p in people], now.isoformat())
    assert [smtp.count_to(p.email) for p in people] == [1, 1, 1]
    db.session.expire_all()
    prefs = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id.in_([p.id for p in people]))).all()
    assert len(prefs) == 3 and all(p.last_digest_at is not None for p in prefs)


def test_a_digest_whose_marks_were_lost_is_not_sent_again(app, org, smtp):
    """A worker killed between the delivery and the commit of the marks: the
    message key committed with the delivery stops the retry from resending."""
    (person,) = _digest_people(org, 1)
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert notify.send_digest_batch([person.id], now) == 1
    db.session.commit()
    # undo what the job marked after the send, as if it had died before committing
    db.session.get(NotificationPreference, person.id).last_digest_at = None
    for n in db.session.scalars(select(Notification).where(Notification.user_id == person.id)):
        n.emailed_at = None
    db.session.commit()
    notify.send_digest_batch([person.id], now)
    assert smtp.count_to(person.email) == 1


def test_digests_are_queued_in_batches(app, org, outbox, monkeypatch):
    from forums import jobs as forum_jobs

    people = _digest_people(org, 5)
    monkeypatch.setattr(forum_jobs, "DIGEST_BATCH", 2)
    monkeypatch.setattr(forum_jobs, "utcnow", lambda: datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    assert forum_jobs.send_daily_digests() == 3
    assert len(list(outbox.glob("forum-digest-*.eml"))) == len(people)


def test_html_part_is_escaped_and_links_the_addresses(app):
    from change_portal.core.mail import build_message, text_to_html

    html = text_to_html("Bonjour <b>Léa</b>,\n\nVoir https://x.fr/a?b=1&c=2 ici.\nFin.")
    assert "&lt;b&gt;Léa&lt;/b&gt;" in html and "<b>" not in html
    assert '<a href="https://x.fr/a?b=1&amp;c=2">https://x.fr/a?b=1&amp;c=2</a>' in html
    assert html.count("<p>") == 2 and "<br>" in html
    with app.test_request_context():
        msg = build_message("a@b.fr", "Sujet", "Texte simple.")
    assert msg.is_multipart() and msg.get_body(("plain",)).get_content().strip() == (
        "Texte simple.")
    assert "List-Unsubscribe" not in msg  # only notifications carry it
