"""The shared parts of the forum pages (a category's topic list, a topic's messages,
the needs board) are cached (issue 15) and never stale: every committed change they
are made of, through the ORM or a bulk UPDATE, shows on the next request; what is
personal (the reader's name on their anonymous messages, their "Utile", their
messages' links, the projects they may read) stays personal."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.extensions import db
from forums import needs, notify, services
from forums.models import Category, Need, Post, Topic
from tests import factories
from tests.forums import factories as ff
from tests.roadmap import factories as rf
from tests.roadmap.factories import QueryCounter


def _get(client, url: str) -> tuple[int, str]:
    with QueryCounter() as counter:
        page = client.get(url).get_data(as_text=True)
    return counter.count, page


def test_category_list_never_stale(client, org, login_as):
    login_as("agent")
    author = factories.create_user(org, ["agent"], name="Alice Martin")
    topic = ff.create_topic(org, author, title="Horaires de la mairie")
    db.session.commit()
    url = f"/forums/categories/{topic.category_id}"
    client.get(url)
    hit, page = _get(client, url)
    assert "Horaires de la mairie" in page and "Alice Martin" in page
    # ORM change, committed: shown at once (a rebuild: more SQL than a hit).
    topic.title = "Horaires estivaux"
    db.session.commit()
    miss, page = _get(client, url)
    assert "Horaires estivaux" in page and miss > hit
    # A bulk UPDATE statement invalidates too.
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(title="Horaires hivernaux"))
    db.session.commit()
    assert "Horaires hivernaux" in client.get(url).get_data(as_text=True)
    # The authors' names are part of it.
    author.full_name = "Alice Dupont"
    db.session.commit()
    assert "Alice Dupont" in client.get(url).get_data(as_text=True)
    # A new topic and the reply counts.
    services.reply(author, topic, body="Une réponse", rate_limited=False)
    ff.create_topic(org, author, title="Nouveau sujet")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Nouveau sujet" in page and "1 réponse(s)" in page


def test_category_of_another_collectivite_keeps_its_entry(client, org, other_org, login_as):
    login_as("agent")
    topic = ff.create_topic(org, title="Chez nous")
    db.session.commit()
    url = f"/forums/categories/{topic.category_id}"
    client.get(url)
    db.session.commit()
    hit, _page = _get(client, url)
    ff.create_topic(other_org, title="Ailleurs")
    db.session.commit()
    again, page = _get(client, url)
    assert again == hit and "Ailleurs" not in page


def test_category_setting_changes_show(client, org, login_as):
    login_as("agent")
    topic = ff.create_topic(org, title="Un sujet")
    db.session.commit()
    url = f"/forums/categories/{topic.category_id}"
    client.get(url)
    db.session.execute(update(Category).where(Category.id == topic.category_id)
                       .values(description="Une description toute neuve"))
    db.session.commit()
    assert "Une description toute neuve" in client.get(url).get_data(as_text=True)


def test_topic_messages_never_stale(client, org, login_as):
    reader = login_as("agent")
    author = factories.create_user(org, ["agent"], name="Bernard Petit")
    topic = ff.create_topic(org, author, title="Parapheur", body="Premier message")
    db.session.commit()
    url = f"/forums/sujets/{topic.id}"
    client.get(url)
    hit, page = _get(client, url)
    assert "Premier message" in page and "Bernard Petit" in page
    post = services.reply(author, topic, body="Deuxième message", rate_limited=False)
    db.session.commit()
    miss, page = _get(client, url)
    assert "Deuxième message" in page and miss > hit
    db.session.execute(update(Post).where(Post.id == post.id)
                       .values(body_html="<p>Réécrit en masse</p>"))
    db.session.commit()
    assert "Réécrit en masse" in client.get(url).get_data(as_text=True)
    # Moderation shows at once; the reactions are counted per request.
    services.toggle_useful(reader, post)
    db.session.commit()
    assert "Utile (1)" in client.get(url).get_data(as_text=True)
    db.session.execute(update(Post).where(Post.id == post.id).values(hidden_at=db.func.now()))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Réécrit en masse" not in page and "Message masqué par la modération." in page
    db.session.execute(update(User).where(User.id == author.id).values(full_name="B. Petit"))
    db.session.commit()
    assert "B. Petit" in client.get(url).get_data(as_text=True)


def test_topic_personal_parts_stay_personal(client, org, login_as):
    cat = ff.category(org)
    cat.allow_anonymous = True
    author = factories.create_user(org, ["agent"], name="Chloé Anonyme")
    topic = ff.create_topic(org, author, title="Sans nom", body="Question", anonymous=True)
    other = factories.create_user(org, ["agent"], name="Denis Lecteur")
    answer = services.reply(other, topic, body="Réponse de Denis", rate_limited=False)
    services.toggle_useful(author, answer)
    db.session.commit()
    url = f"/forums/sujets/{topic.id}"
    login_as(other)
    theirs = client.get(url).get_data(as_text=True)
    login_as(author)
    mine = client.get(url).get_data(as_text=True)
    login_as("admin")
    moderator = client.get(url).get_data(as_text=True)
    # The anonymous author's name: to them and to moderators only.
    assert "Chloé Anonyme" not in theirs and "Un·e agent·e" in theirs
    assert "<strong>Chloé Anonyme</strong>" in mine
    assert "auteur : Chloé Anonyme" in moderator and "auteur :" not in mine
    # Their own messages' links and their "Utile".
    edit_answer = f"/forums/messages/{answer.id}/modifier"
    assert edit_answer in theirs and edit_answer not in mine
    assert 'aria-pressed="true"' in mine and 'aria-pressed="true"' not in theirs
    # The moderator's tools only for the moderator.
    assert f"/forums/messages/{answer.id}/masquer" in moderator
    assert "/masquer" not in theirs and "/masquer" not in mine


def test_topic_of_another_reader_reuses_the_entry(app, client, org):
    topic = ff.create_topic(org, title="Partagé", replies=3)
    other_client = app.test_client()
    for c in (client, other_client):
        factories.log_in(c, factories.create_user(org, ["agent"]))
    db.session.commit()
    url = f"/forums/sujets/{topic.id}"
    counts = []
    for c in (client, other_client):
        c.get("/forums/")  # the reader's first request loads their session
        counts.append(_get(c, url)[0])
    # The first reader built the entry; the second one is served from it.
    assert counts[1] < counts[0]


def test_needs_board_never_stale_and_projects_stay_personal(client, org, login_as):
    service, elsewhere = factories.create_service(org), factories.create_service(org)
    need = ff.create_need(org, title="Prise de rendez-vous en ligne")
    project = rf.create_project(org, title="Portail des rendez-vous", services=[service])
    needs.link_project(factories.create_user(org, ["admin"]), need, project)
    db.session.commit()
    url = "/forums/besoins"
    reader = login_as("agent", service=service)
    client.get(url)
    hit, page = _get(client, url)
    assert "Prise de rendez-vous en ligne" in page and "Portail des rendez-vous" in page
    # "Je l'ai aussi constaté" (the count, a bulk UPDATE of the need) shows at once.
    needs.endorse(reader, need, channel="telephone")
    db.session.commit()
    miss, page = _get(client, url)
    assert "1 collègue(s)" in page and miss > hit
    db.session.execute(update(Need).where(Need.id == need.id).values(impact="fort"))
    db.session.commit()
    assert "<td>Fort</td>" in client.get(url).get_data(as_text=True)
    db.session.execute(update(Topic).where(Topic.id == need.topic_id)
                       .values(title="Rendez-vous renommé"))
    db.session.commit()
    assert "Rendez-vous renommé" in client.get(url).get_data(as_text=True)
    # Another agent, of a service the project does not concern: the same rows, but
    # not the project's title (it is not theirs to read).
    login_as("agent", service=elsewhere)
    page = client.get(url).get_data(as_text=True)
    assert "Rendez-vous renommé" in page and "Portail des rendez-vous" not in page


def test_reading_notifications_keeps_the_entry(client, org, login_as):
    """The unread counters of the users (written when a notification is made or read)
    are not shown by the shared parts: reading a topic's notifications keeps them."""
    author = factories.create_user(org, ["agent"])
    reader = login_as("agent")
    topic = ff.create_topic(org, author, title="Suivi")
    notify.follow_topic(reader, topic)
    services.reply(author, topic, body="Du nouveau", rate_limited=False)  # notifies reader
    db.session.commit()
    assert db.session.get(User, reader.id).unread_notifications == 1
    scopes = [f"{name}:{where}" for name in ("forums.posts", "forums.topics")
              for where in ("*", org.id)]
    tokens = cache.version_tokens(*scopes)
    assert "Du nouveau" in client.get(f"/forums/sujets/{topic.id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, reader.id).unread_notifications == 0  # read, and written
    assert cache.version_tokens(*scopes) == tokens


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    reader = factories.create_user(org, ["agent"])
    topic = ff.create_topic(org, title="Sujet partagé", body="Version d'origine")
    db.session.commit()
    page = f"/forums/sujets/{topic.id}"
    clients = []
    for instance in (one, two):
        with instance.app_context():
            # tokens left by an earlier run on the same ids
            cache.bump_all()
        c = instance.test_client()
        factories.log_in(c, reader)
        clients.append(c)
    for c in clients:
        assert "Version d'origine" in c.get(page).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(Post).where(Post.topic_id == topic.id)
                           .values(body_html="<p>Modifié par l’instance B</p>"))
        db.session.commit()
    assert "Modifié par l’instance B" in clients[0].get(page).get_data(as_text=True)
