"""Query budget of the pages the benchmark loads (issue 8).

The benchmark's generator (bench/generate.py) fills the test database with two
collectivités, one about four times larger than the other. For each page, the
number of SQL statements of a request must be the same in both (it must not grow
with the data), at most 15, and no GET may render Markdown. Never asserts times.

Pages still above the budget are marked xfail(strict=True) with the fix they
need (see bench/README.md): once fixed, the test passes, strict xfail turns that
into a failure, and the marker must be removed — the budget then holds for good.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import event

from bench.generate import ORDER, Generator
from bench.pages import SEARCH_QUERY
from change_portal.accounts.models import User
from change_portal.extensions import db
from tests import factories

SCALE = {
    "orgs": 2, "big_weight": 4, "users": 60, "modules": 3, "lessons_per_module": 4,
    "lesson_progress": 120, "topics": 10, "posts": 150, "needs": 20, "endorsements": 80,
    "projects": 6, "actions": 30, "positions": 90, "reactions": 30,
    "notifications_per_user": 1, "post_pool": 20, "lesson_pool": 4, "text_pool": 10,
}
BUDGET = 15
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")

# page -> (role, path template)
PAGES = {
    "home": ("agent", "/accueil"),
    "catalogue": ("agent", "/modules/"),
    "lesson": ("agent", "/modules/{module_id}/lecons/{lesson_key}"),
    "forum_category": ("agent", "/forums/categories/{category}"),
    "topic": ("agent", "/forums/sujets/{topic_50}"),
    "needs_board": ("agent", "/forums/besoins?tri=constats"),
    "search": ("agent", "/forums/recherche?q=" + SEARCH_QUERY),
    "project": ("project_lead", "/projets/{project}"),
    "dashboard": ("elected", "/feuille-de-route/tableau-de-bord"),
    "opendata_json": ("elected", "/api/v1/organisations/{slug}/roadmap"),
}
OVER_BUDGET = {  # fixes in bench/README.md "Findings"
}


@pytest.fixture
def platform(app):
    """Two collectivités from the benchmark generator, inside the test transaction."""
    gen = Generator(SCALE, seed=8, now=datetime.now(UTC).replace(microsecond=0))
    from werkzeug.security import generate_password_hash

    gen.build(generate_password_hash("unused-password-1", method="pbkdf2:sha256:1000"),
              _QuietClock())
    for org in gen.rows["organisation"]:
        org["roadmap_published"] = True  # same open-data path for both
    for name in ORDER:
        rows = gen.rows.get(name)
        if rows:
            db.session.execute(db.metadata.tables[name].insert(), rows)
    from forums import search

    search.reindex_all()
    db.session.flush()
    return gen.manifest


class _QuietClock:
    def lap(self, *args, **kwargs) -> None:
        pass


def _measure(app, client, user_id: int, path: str) -> tuple[int, int, int]:
    factories.log_in(client, db.session.get(User, user_id))
    assert client.get(path).status_code == 200
    counts = {"queries": 0, "converts": 0}

    def on_execute(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(CONTROL):
            counts["queries"] += 1

    original = MarkdownIt.parse

    def convert(self, source, env=None):
        counts["converts"] += 1
        return original(self, source, env)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    MarkdownIt.parse = convert
    try:
        resp = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
        MarkdownIt.parse = original
    return resp.status_code, counts["queries"], counts["converts"]


def _page_params():
    for name in PAGES:
        marks = []
        if name in OVER_BUDGET:
            marks.append(pytest.mark.xfail(strict=True, reason=OVER_BUDGET[name]))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("page", list(_page_params()))
def test_page_queries_do_not_grow_and_stay_within_budget(app, client, platform, page):
    role, template = PAGES[page]
    counts = {}
    for slug, org in platform["orgs"].items():
        path = template.format(slug=slug, **platform["lesson"], **org)
        status, queries, converts = _measure(app, client, org["users"][role], path)
        assert status == 200, (slug, path)
        assert converts == 0, f"{path} renders Markdown on GET"
        counts[slug] = queries
    big, small = counts.values()
    assert big == small, f"{page}: {counts} (queries grow with the data)"
    assert big <= BUDGET, f"{page}: {big} queries (budget {BUDGET})"
