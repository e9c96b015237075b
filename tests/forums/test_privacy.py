"""RGPD: the forums' part of a person's data export and erasure."""

from __future__ import annotations

from sqlalchemy import func, select

from change_portal.core import privacy as core_privacy
from change_portal.extensions import db
from forums import needs, notify, services
from forums.models import Notification, Post, Subscription
from forums.privacy import PROVIDER
from tests import factories
from tests.forums import factories as ff


def test_export_and_erase_forum_data(org):
    person = factories.create_user(org, name="Bérénice Tartempion")
    other = factories.create_user(org)
    topic = ff.create_topic(org, other, title="Horaires")
    post = services.reply(person, topic, body="Mon avis", rate_limited=False)
    needs.endorse(person, ff.create_need(org, other), note="vu au guichet")
    notify.set_preference(person, "immediat")
    data = PROVIDER.export(person)
    assert data["forums_messages"][0]["texte"] == "Mon avis"
    assert data["forums_constats"][0]["note"] == "vu au guichet"
    assert data["forums_preferences"] == [{"courriels": "immediat"}]
    assert "forums_messages" in core_privacy.collect(person)

    PROVIDER.erase(person)
    assert db.session.scalar(select(func.count(Subscription.id)).where(
        Subscription.user_id == person.id)) == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.text.contains("Tartempion"))) == 0
    assert db.session.get(Post, post.id) is not None  # the thread keeps its shape


def test_every_forum_user_column_is_covered(app):
    covered = core_privacy.covered_columns()
    for table in db.metadata.sorted_tables:
        if not table.name.startswith("forum_"):
            continue
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys):
                assert (table.name, column.name) in covered, (table.name, column.name)
