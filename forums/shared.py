"""The parts of the forum pages that are the same for every reader allowed to see
them (issue 15): rendered once, then served from the cache until a committed write to
what they are made of (the watches below, declared by forums.setup) replaces their
version token. Per-person state (follow buttons, "Utile" pressed, own messages'
links, the viewer's projects, CSRF tokens) is never part of them: the views add it.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.pagination import current_page_number, paginate
from change_portal.extensions import db
from forums import queries
from forums.models import Category, Topic

# A category's topic list (titles, badges, authors' names, counts, dates).
TOPICS = "forums.topics"
TOPICS_PER_PAGE = 20


def install_watches() -> None:
    """Declare what each shared part is made of (called by forums.setup.init_app)."""
    cache.watch(TOPICS, (Topic, User))


def _parts(*parts) -> tuple:
    # Language and mount point shape every rendered fragment (labels, dates, links).
    return (*parts, str(get_locale()), request.script_root)


def category_topics(category: Category) -> Markup:
    """The topic count, the page of topics and the pager of a category (the caller
    checked that the viewer may see the category)."""
    number = current_page_number()

    def build() -> str:
        page = paginate(queries.topics_stmt(category), per_page=TOPICS_PER_PAGE,
                        joined=("author",))
        return str(render_template("forums/_category_topics.html", category=category,
                                   page=page))

    html = cache.cached_value(TOPICS, category.organisation_id,
                              _parts("category", category.id, number), build, db.session)
    return Markup(html)  # noqa: S704 - rendered by Jinja with autoescaping
