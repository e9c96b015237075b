"""Issue 11.1: stored HTML written by the former engine is re-rendered."""

from __future__ import annotations

from change_portal.extensions import db
from change_portal.rerender import rerender_all
from courses.models import Lesson
from forums.models import Post
from tests import factories
from tests.courses.factories import create_module
from tests.forums import factories as ff


def test_rerender_updates_stale_html_of_every_kind(org):
    topic = ff.create_topic(org, body="Un **message**.")
    create_module(org)
    lesson = db.session.scalars(db.select(Lesson)).first()
    post = db.session.scalars(db.select(Post).where(Post.topic_id == topic.id)).one()
    good_post, good_lesson = post.body_html, lesson.body_html
    post.body_html = "<p>ancien rendu</p>"
    lesson.body_html = "<p>ancien rendu</p>"
    db.session.flush()

    counts = rerender_all(db.session.connection())
    db.session.expire_all()

    assert counts["forum_post.body_html"] == 1
    assert counts["course_lesson.body_html"] == 1
    assert good_post == "<p>Un <strong>message</strong>.</p>"
    assert db.session.get(Post, post.id).body_html == good_post
    assert db.session.get(Lesson, lesson.id).body_html == good_lesson
    # Idempotent: a second run changes nothing.
    assert set(rerender_all(db.session.connection()).values()) == {0}


def test_rerender_command(runner, org):
    ff.create_topic(org, author=factories.create_user(org, ["agent"]))
    result = runner.invoke(args=["markdown", "rerender"])
    assert result.exit_code == 0, result.output
    assert "forum_post.body_html: 0 re-rendered" in result.output
