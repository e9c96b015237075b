"""The number of SQL queries of the main pages does not grow with the data."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from change_portal.extensions import db
from forums import needs, services
from tests import factories
from tests.forums import factories as ff


@contextmanager
def count_queries():
    counter = {"n": 0}

    def _count(*_args, **_kwargs):
        counter["n"] += 1

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _populate(org, size: int):
    """`size` topics and replies, needs with endorsements, several authors."""
    authors = [factories.create_user(org, service=factories.create_service(org))
               for _ in range(min(size, 12))]
    topic = ff.create_topic(org, authors[0], title="Gros sujet", body="parapheur")
    for i in range(size):
        author = authors[i % len(authors)]
        post = services.reply(author, topic, body=f"Réponse parapheur {i} @{author.email}",
                              rate_limited=False)
        if i % 3 == 0:
            services.toggle_useful(authors[(i + 1) % len(authors)], post)
    for i in range(size):
        ff.create_topic(org, authors[i % len(authors)], title=f"Sujet parapheur {i}")
    for i in range(max(3, size // 10)):
        need = ff.create_need(org, authors[i % len(authors)], title=f"Besoin parapheur {i}",
                              services_=[authors[i % len(authors)].service])
        for a in authors:
            if a.id != need.topic.author_id:
                needs.endorse(a, need, channel="telephone")
    return topic


def _measure(client, urls):
    counts = {}
    for name, url in urls.items():
        client.get(url)  # warm caches (session, categories)
        with count_queries() as c:
            resp = client.get(url)
        assert resp.status_code == 200, url
        counts[name] = c["n"]
    return counts


def _urls(org, big):
    cat = ff.category(org)
    return {
        "index": "/forums/",
        "category": f"/forums/categories/{cat.id}",
        "topic": f"/forums/sujets/{big.id}",
        "topic_page_2": f"/forums/sujets/{big.id}?page=2",
        "needs_board": "/forums/besoins",
        "search": "/forums/recherche?q=parapheur",
        "notifications": "/forums/notifications",
    }


def test_page_queries_are_constant(client, org, other_org, login_as):
    """5 topics/replies in one collectivité, 300 in the other: same query counts."""
    measured = {}
    for size, where in ((25, org), (300, other_org)):
        big = _populate(where, size)
        user = factories.create_user(where, ["admin"])
        login_as(user)
        ff.create_topic(where, body=f"@{user.email.split('@')[0]}")  # one unread
        measured[size] = _measure(client, _urls(where, big))
    print(measured)
    assert measured[25] == measured[300], measured


def test_need_page_queries_constant(client, org, login_as):
    def build(n):
        need = ff.create_need(org, title=f"Besoin {n}")
        for _ in range(n):
            needs.endorse(factories.create_user(org, service=factories.create_service(org)),
                          need, channel="courriel", note="vu")
        return need

    small, large = build(2), build(40)
    login_as("project_lead")
    counts = _measure(client, {"small": f"/forums/sujets/{small.topic_id}",
                               "large": f"/forums/sujets/{large.topic_id}"})
    assert counts["small"] == counts["large"], counts
