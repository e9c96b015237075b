"""The parts of the forum pages that are the same for every reader allowed to see
them (issue 15): rendered once, then served from the cache until a committed write to
what they are made of (the watches below, declared by forums.setup) replaces their
version token. Per-person state (follow buttons, "Utile" pressed, own messages'
links, the viewer's projects, CSRF tokens) is never part of them: the views add it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.pagination import current_page_number, paginate
from change_portal.extensions import db
from change_portal.organisations.models import Service
from forums import queries
from forums.models import Category, Need, NeedProject, Topic, need_service

# A category's topic list (titles, badges, authors' names, counts, dates).
TOPICS = "forums.topics"
TOPICS_PER_PAGE = 20
# The needs board's rows (titles, services, labels, counts), its caption and pager;
# the linked projects filter the board (?projet=).
NEEDS = "forums.needs"
NEEDS_PER_PAGE = 25


def install_watches() -> None:
    """Declare what each shared part is made of (called by forums.setup.init_app)."""
    cache.watch(TOPICS, (Topic, User))
    cache.watch(NEEDS, (Need, Topic, Service, NeedProject), (need_service.name,))


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


def needs_board(organisation_id: int, category_ids: list[int], filters: dict, args: dict,
                choices: Callable[[], dict]) -> dict:
    """The shared part of the needs board for these visible categories and filters
    (`filters` as forums.views.needs reads them, `args` the same as query arguments,
    `choices` gives the filters' options): the filter form but its projects, the
    table's caption and header, its rows (need id, HTML of every cell but the
    projects, ids of the linked projects) and the pager."""
    number = current_page_number()

    def build() -> dict:
        stmt = queries.needs_board_stmt(organisation_id, category_ids, **filters)
        page = paginate(stmt, per_page=NEEDS_PER_PAGE, rows=True, load=queries.load_need_rows)
        links = queries.need_project_links([need.id for need, _count in page.items])
        services = [(s.id, s.name) for s in queries.org_services(organisation_id)]
        macros = current_app.jinja_env.get_template("forums/_needs_board_shared.html").module
        return {
            "filters_head": str(macros.filters_head(filters, choices(), services)),
            "filters_tail": str(macros.filters_tail(filters)),
            "head": str(macros.head(page)), "pager": str(macros.board_pager(page, args)),
            "rows": [(need.id, str(macros.row(need, count)), links.get(need.id, []))
                     for need, count in page.items]}

    scope = ",".join(map(str, sorted(category_ids)))
    board = cache.cached_value(
        NEEDS, organisation_id,
        _parts("board", scope, *(f"{k}={filters[k]}" for k in sorted(filters)), number),
        build, db.session)
    # Rendered by Jinja with autoescaping: safe HTML.
    out = {k: Markup(v) for k, v in board.items() if k != "rows"}  # noqa: S704
    out["rows"] = [(i, Markup(html), linked) for i, html, linked in board["rows"]]  # noqa: S704
    return out
