"""The XSS corpora in posts, titles, need fields; and the demo content."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import func, select

from change_portal.core.markdown import render_markdown
from change_portal.extensions import db
from change_portal.projects.models import Project
from forums import needs, services
from forums.demo import load_demo
from forums.models import Need, NeedStatus, Notification, Post, Topic
from tests import factories, xss
from tests.forums import factories as ff
from tests.security.pages import batches


def test_corpus_in_posts_is_stored_safe(org):
    """Every payload through `edit_post` (the pipeline of a reply too), in messages
    of up to 3,200 characters. The stored HTML is exactly `render_markdown` of the
    text, the function tests/core/test_markdown.py proves payload by payload; a batch
    with an escape is replayed one payload at a time to name the culprits."""
    user = factories.create_user(org)
    topic = ff.create_topic(org, user)
    payloads = xss.all_payloads()
    assert len(payloads) > 2500
    post = services.reply(user, topic, body="départ", rate_limited=False)
    escaped = []
    for body, batch in batches(payloads, 40 * 80):
        services.edit_post(user, post, body=body)
        assert post.body_html == render_markdown(post.body)  # the body as stored (stripped)
        if xss.unsafe_parts(post.body_html):
            for payload in batch:
                services.edit_post(user, post, body=payload)
                if xss.unsafe_parts(post.body_html):
                    escaped.append(payload)
    assert escaped == []


def test_corpus_in_titles_and_needs_is_escaped_on_pages(client, org, login_as):
    user = login_as("agent")
    payloads = xss.html_payloads()[:60]
    for i, payload in enumerate(payloads):
        title = payload[:140] or f"x{i}"
        need = needs.record_need(user, ff.category(org), title=title, description=payload,
                                 public="autre", channel="courrier", frequency="rare",
                                 impact="faible", workaround=payload, rate_limited=False)
        page = client.get(f"/forums/sujets/{need.topic_id}").get_data(as_text=True)
        # The title is printed escaped; the description and workaround stored safe.
        stored = need.topic.title
        if "<" in stored:
            assert f"<h1>{escape(stored)}</h1>" in page, payload
        assert xss.unsafe_parts(services.first_post(need.topic).body_html) == []
    board = client.get("/forums/besoins").get_data(as_text=True)
    assert "<script>" not in board


def _demo_users(org):
    emails = ["sophie.martin@demo.example", "karim.benali@demo.example",
              "julie.lefevre@demo.example", "nathalie.dubois@demo.example",
              "thomas.girard@demo.example", "marc.petit@demo.example"]
    roles = {"sophie.martin@demo.example": ["admin", "agent"],
             "thomas.girard@demo.example": ["project_lead", "agent"]}
    return {e: factories.create_user(org, roles.get(e, ["agent"]), email=e,
                                     name=e.split("@")[0].replace(".", " ").title())
            for e in emails}


def test_demo_content_is_rich_and_links_projects(org):
    project = Project(organisation_id=org.id, title="Guichet numérique")
    db.session.add(project)
    db.session.flush()
    users = _demo_users(org)
    load_demo(org, users=users)
    topics = db.session.scalar(select(func.count(Topic.id)).where(
        Topic.organisation_id == org.id))
    assert topics >= 12
    statuses = set(db.session.scalars(select(Need.status).where(Need.organisation_id == org.id)))
    assert {NeedStatus.NEW, NeedStatus.LINKED, NeedStatus.ANSWERED,
            NeedStatus.DISMISSED} <= statuses
    anonymous = db.session.scalar(select(Topic).where(Topic.organisation_id == org.id,
                                                      Topic.anonymous.is_(True)))
    assert anonymous is not None and anonymous.reply_count == 1
    lead_reply = db.session.scalar(select(Post).where(Post.topic_id == anonymous.id,
                                                      Post.is_first.is_(False)))
    assert lead_reply.author_id == users["thomas.girard@demo.example"].id
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.organisation_id == org.id)) > 0
    from forums.models import NeedProject

    assert db.session.scalar(select(func.count(NeedProject.id)).where(
        NeedProject.project_id == project.id)) >= 2
    # loading twice adds nothing
    load_demo(org, users=users)
    assert db.session.scalar(select(func.count(Topic.id)).where(
        Topic.organisation_id == org.id)) == topics


def test_demo_pages_render(client, org, login_as):
    users = _demo_users(org)
    load_demo(org, users=users)
    login_as(users["sophie.martin@demo.example"])
    for url in ("/forums/", "/forums/besoins", "/forums/moderation", "/forums/notifications",
                "/forums/recherche?q=démarches", "/forums/admin/categories", "/accueil"):
        assert client.get(url).status_code == 200, url
    for topic_id in db.session.scalars(select(Topic.id).where(Topic.organisation_id == org.id)):
        assert client.get(f"/forums/sujets/{topic_id}").status_code == 200
