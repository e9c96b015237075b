"""The forum search results and the visible categories are cached (issue 15) and never
stale: a new, edited, hidden or deleted message, a category restricted or a moderator
added show on the next request; readers who see other categories get other results;
another collectivité's writes keep the entries."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from change_portal.core import cache
from change_portal.extensions import db
from forums import categories, needs, services
from forums.models import Topic
from tests import factories
from tests.forums import factories as ff

URL = "/forums/recherche?q=parapheur"


def _get(client, url: str = URL) -> tuple[int, str]:
    """(statements that read the search index or the categories, page)."""
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return sum("forum_search" in s or "FROM forum_category" in s for s in statements), page


def test_search_results_never_stale(client, org, login_as):
    reader = login_as("agent")
    admin = factories.create_user(org, ["admin"])
    author = factories.create_user(org, ["agent"])
    topic = ff.create_topic(org, author, title="Parapheur électronique", body="Premier essai")
    db.session.commit()
    client.get(URL)
    hit, page = _get(client)
    assert hit == 0  # served from the cache
    assert "Parapheur électronique" in page and "1 résultat(s)" in page
    # A new matching message shows at once (a rebuild: more SQL than a hit).
    post = services.reply(author, topic, body="Le parapheur signe vite", rate_limited=False)
    db.session.commit()
    miss, page = _get(client)
    assert "2 résultat(s)" in page and "signe vite" in page and miss > hit
    # Edited: the new text, and the old one no longer matches.
    services.edit_post(author, post, body="Le parapheur refuse les PDF")
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "refuse les PDF" in page and "signe vite" not in page
    # Hidden by a moderator (a bulk UPDATE of the index), then restored.
    services.hide_post(admin, post)
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "1 résultat(s)" in page and "refuse les PDF" not in page
    assert _get(client)[0] == 0  # and cached again
    services.restore_post(admin, post)
    db.session.commit()
    assert "refuse les PDF" in client.get(URL).get_data(as_text=True)
    # Deleted by its author.
    services.delete_post(author, post)
    db.session.commit()
    assert "refuse les PDF" not in client.get(URL).get_data(as_text=True)
    # A title rewritten by a bulk UPDATE.
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(title="Parapheur renommé"))
    db.session.commit()
    assert "Parapheur renommé" in client.get(URL).get_data(as_text=True)
    assert reader.id  # the reader stayed logged in throughout


def test_restricting_a_category_hides_its_hits_and_topics_at_once(client, org, login_as):
    reader = login_as("agent")
    admin = factories.create_user(org, ["admin"])
    finance = factories.create_service(org, "Finances")
    cat = services.save_category(admin, org, name="Budget")
    ff.create_topic(org, admin, cat=cat, title="Parapheur budgétaire")
    db.session.commit()
    assert "Parapheur budgétaire" in client.get(URL).get_data(as_text=True)
    assert "Parapheur budgétaire" in client.get("/accueil").get_data(as_text=True)  # home panel
    # Restricted to a service the reader is not in: gone from the search and home.
    services.save_category(admin, org, category=cat, name="Budget", services=[finance])
    db.session.commit()
    assert "Parapheur budgétaire" not in client.get(URL).get_data(as_text=True)
    assert "Parapheur budgétaire" not in client.get("/accueil").get_data(as_text=True)
    assert cat.id not in categories.visible_ids(reader)
    # Named moderator of it: shown again.
    services.save_category(admin, org, category=cat, name="Budget", services=[finance],
                           moderators=[reader])
    db.session.commit()
    assert "Parapheur budgétaire" in client.get(URL).get_data(as_text=True)
    assert cat.id in categories.visible_ids(reader)


def test_readers_with_other_categories_get_other_results(app, client, org, login_as):
    admin = factories.create_user(org, ["admin"])
    finance = factories.create_service(org, "Finances")
    secret = services.save_category(admin, org, name="Budget", services=[finance])
    ff.create_topic(org, admin, cat=secret, title="Parapheur budgétaire")
    ff.create_topic(org, admin, title="Parapheur ouvert")
    db.session.commit()
    login_as("agent", service=finance)
    inside = client.get(URL).get_data(as_text=True)
    login_as("agent")
    outside = client.get(URL).get_data(as_text=True)
    assert "Parapheur budgétaire" in inside and "2 résultat(s)" in inside
    assert "Parapheur budgétaire" not in outside and "1 résultat(s)" in outside


def test_another_collectivite_keeps_the_entries(client, org, other_org, login_as):
    login_as("agent")
    ff.create_topic(org, title="Parapheur de chez nous")
    db.session.commit()
    client.get(URL)
    hit, page = _get(client)
    ff.create_topic(other_org, title="Parapheur d'ailleurs")
    services.save_category(None, other_org, name="Une autre catégorie")
    db.session.commit()
    again, page = _get(client)
    assert again == hit and "Parapheur d'ailleurs" not in page


def test_queries_are_escaped_and_pages_keyed(client, org, login_as):
    login_as("agent")
    for i in range(23):
        ff.create_topic(org, title=f"Parapheur {i}")
    db.session.commit()
    first = client.get(URL).get_data(as_text=True)
    second = client.get(URL + "&page=2").get_data(as_text=True)
    assert "Page 1 sur 2" in first and "Page 2 sur 2" in second
    payload = '<script>alert("parapheur")</script>'
    for _ in range(2):  # built, then from the cache
        page = client.get("/forums/recherche", query_string={"q": payload}).get_data(as_text=True)
        assert payload not in page and "&lt;script&gt;" in page


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    reader = factories.create_user(org, ["agent"])
    author = factories.create_user(org, ["agent"])
    topic = ff.create_topic(org, author, title="Parapheur partagé")
    db.session.commit()
    clients = []
    for instance in (one, two):
        with instance.app_context():
            # tokens left by an earlier run on the same ids
            cache.bump(f"forums.search:{org.id}", f"forums.categories:{org.id}")
        c = instance.test_client()
        factories.log_in(c, reader)
        clients.append(c)
    for c in clients:
        assert "1 résultat(s)" in c.get(URL).get_data(as_text=True)
    with two.app_context():
        services.reply(db.session.get(type(author), author.id), db.session.get(Topic, topic.id),
                       body="Un parapheur de plus", rate_limited=False)
        db.session.commit()
    assert "2 résultat(s)" in clients[0].get(URL).get_data(as_text=True)


def test_topic_page_access_and_moderator_flag_never_stale(client, org, login_as):
    """The topic and category pages check access and the moderator flag on the cached
    access data: a restriction, a moderator named show on the next request."""
    reader = login_as("agent")
    admin = factories.create_user(org, ["admin"])
    finance = factories.create_service(org, "Finances")
    cat = services.save_category(admin, org, name="Budget")
    topic = ff.create_topic(org, admin, cat=cat, title="Clôture budgétaire")
    db.session.commit()
    url = f"/forums/sujets/{topic.id}"
    page = client.get(url)
    assert page.status_code == 200 and "/deplacer" not in page.get_data(as_text=True)
    services.save_category(admin, org, category=cat, name="Budget", services=[finance])
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get(f"/forums/categories/{cat.id}").status_code == 404
    services.save_category(admin, org, category=cat, name="Budget", services=[finance],
                           moderators=[reader])
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 200 and f"/forums/sujets/{topic.id}/deplacer" in page.get_data(
        as_text=True)


def test_need_workaround_shows_at_once(client, org, login_as):
    login_as("agent")
    need = ff.create_need(org, title="Paiement de la cantine")
    db.session.commit()
    url = "/forums/recherche?q=cheque"
    assert "0 résultat(s)" in client.get(url).get_data(as_text=True)
    needs.update_need_fields(need.topic.author, need, public="particuliers", channel="accueil",
                             frequency="jour", impact="fort", workaround="chèques à l'accueil",
                             services=[])
    db.session.commit()
    assert "Paiement de la cantine" in client.get(url).get_data(as_text=True)


def test_home_panel_shows_a_new_topic_at_once(client, org, login_as):
    """The home panel's recent topics are cached per visible categories: a topic
    created, then renamed by a bulk UPDATE, shows on the next home page."""
    agent = login_as("agent")
    cat = ff.category(org)
    db.session.commit()
    assert "Badges de cantine" not in client.get("/accueil").get_data(as_text=True)
    topic = ff.create_topic(org, agent, cat=cat, title="Badges de cantine")
    db.session.commit()
    assert "Badges de cantine" in client.get("/accueil").get_data(as_text=True)
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(title="Badges de cantine perdus"))
    db.session.commit()
    assert "Badges de cantine perdus" in client.get("/accueil").get_data(as_text=True)
