"""The parts of the forum pages that are the same for every reader allowed to see
them (issue 15): rendered once, then served from the cache until a committed write to
what they are made of (the watches below, declared by forums.setup) replaces their
version token. Per-person state (follow buttons, "Utile" pressed, own messages'
links, the viewer's projects, CSRF tokens) is never part of them: the views add it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import NamedTuple

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.pagination import Page, current_page_number, paginate
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from forums import notify, queries, search
from forums.access import access_of, sees
from forums.forms import ReplyForm
from forums.models import (
    Category,
    Need,
    NeedProject,
    Post,
    Topic,
    category_moderator,
    category_service,
    need_service,
)

# A category's topic list (titles, badges, authors' names, counts, dates).
TOPICS = "forums.topics"
TOPICS_PER_PAGE = 20
# The needs board's rows (titles, services, labels, counts), its caption and pager;
# the linked projects filter the board (?projet=).
NEEDS = "forums.needs"
NEEDS_PER_PAGE = 25
# A topic's messages: bodies, authors' names, dates, states (the accepted answer is the
# topic's).
POSTS = "forums.posts"
POSTS_PER_PAGE = 20
# The needs linked to a project (the project page's panel): titles, statuses, counts,
# and what decides who sees each (its category's restrictions and moderators).
PROJECT_NEEDS = "forums.project_needs"
# A search's results (count, hits with their excerpts, pager): titles, kinds and
# category names, posts' dates and bodies, and the index entries that select them.
SEARCH = search.WATCH
SEARCH_PER_PAGE = 20
# Free text makes the number of keys unbounded: such entries live 10 minutes.
SEARCH_MAX_AGE = 600


def install_watches() -> None:
    """Declare what each shared part is made of (called by forums.setup.init_app). The
    collectivité and the categories are in each: deleting one removes its topics by
    the database's cascade, which no ORM event reports."""
    scope = (Organisation, Category)
    # Of the users, only the names are shown; their unread counters and last login are
    # bookkeeping columns (User.cache_ignored_columns) that leave the entries.
    cache.watch(TOPICS, (*scope, Topic, User))
    cache.watch(NEEDS, (*scope, Need, Topic, Service, NeedProject), (need_service.name,))
    cache.watch(POSTS, (*scope, Topic, Post, User))
    cache.watch(PROJECT_NEEDS, (*scope, Need, Topic, NeedProject, Service, User),
                (category_service.name, category_moderator.name))
    # The index (forums.search_models.SearchEntry) is written by Core statements, which
    # a watch would take for every collectivité's: it is left out, and forums.search
    # notes each of its writes for the entry's collectivité (core.cache.note_change).
    cache.watch(SEARCH, (*scope, Topic, Post))


def _parts(*parts) -> tuple:
    # Language and mount point shape every rendered fragment (labels, dates, links).
    # (Entries of an earlier deployment are never read: core.cache's version names
    # carry a digest of the code.)
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


class SharedPost(NamedTuple):
    """A message as every reader with the same moderator flag sees it (picklable)."""

    id: int
    author_id: int | None
    anonymous: bool
    label: str  # the name shown to readers who are neither its author nor moderators
    top: str  # HTML up to the name
    middle: str  # HTML from the name to the actions of every reader (date, body, "Citer")
    is_first: bool
    visible: bool
    hidden: bool
    deleted: bool
    accepted: bool
    # Where the other actions lead: the URLs (escaped for an attribute), built once with it.
    url_useful: str
    url_report: str
    url_edit: str
    url_delete: str
    url_accept: str
    url_moderate: str  # hide, or restore a hidden one
    url_history: str


def _shared_post(p: Post, topic: Topic, moderator: bool, number: int, macros) -> SharedPost:
    return SharedPost(
        p.id, p.author_id, p.anonymous, notify.author_label(p, None, moderator),
        str(macros.top(p, topic)), str(macros.middle(p, topic, moderator, number)),
        p.is_first, p.is_visible, p.hidden_at is not None, p.deleted_at is not None,
        p.id == topic.accepted_post_id,
        *(str(escape(url_for(endpoint, post_id=p.id))) for endpoint in (
            "forums.useful", "forums.report", "forums.edit_post", "forums.delete_post",
            "forums.accept", "forums.restore_post" if p.hidden_at else "forums.hide_post",
            "forums.post_history")))


def topic_posts(topic: Topic, moderator: bool) -> dict:
    """A page of a topic's messages as `SharedPost`s, the accepted answer (None, or its
    id, author id, anonymity, public label and the HTML after the name) and the
    pager, for readers with this moderator flag (the caller checked access)."""
    number = current_page_number()

    def build() -> dict:
        page = paginate(queries.posts_stmt(topic), per_page=POSTS_PER_PAGE, joined=("author",))
        macros = current_app.jinja_env.get_template("forums/_topic_posts_shared.html").module
        accepted = queries.accepted_post(topic)
        if accepted is not None:
            accepted = (accepted.id, accepted.author_id, accepted.anonymous,
                        notify.author_label(accepted, None, moderator),
                        str(macros.accepted_rest(accepted)))
        return {"rows": [_shared_post(p, topic, moderator, number, macros) for p in page.items],
                "accepted": accepted, "pager": str(macros.posts_pager(page, topic)),
                "reply_fields": str(render_template("forums/_reply_fields.html",
                                                    form=blank_reply_form(topic)))}

    shared = cache.cached_value(
        POSTS, topic.organisation_id,
        # The category's setting shapes the reply form (not a model of the watch).
        _parts("topic", topic.id, number, int(moderator), int(topic.category.allow_anonymous)),
        build, db.session)
    # Rendered by Jinja with autoescaping: safe HTML.
    accepted = shared["accepted"]
    if accepted is not None:
        accepted = (*accepted[:4], Markup(accepted[4]))  # noqa: S704
    return {"rows": [p._replace(top=Markup(p.top), middle=Markup(p.middle))  # noqa: S704
                     for p in shared["rows"]],
            "accepted": accepted, "pager": Markup(shared["pager"]),  # noqa: S704
            "reply_fields": Markup(shared["reply_fields"])}  # noqa: S704


def search_results(organisation_id: int, category_ids: list[int], query: str, *,
                   candidates: int, count_cap: int) -> Markup:
    """The rendered results of `query` (already stripped and cut) among these visible
    categories: the count, the page's hits with their excerpts, the pager. The same
    for every reader with these categories, whatever their role."""
    number = current_page_number()

    def build() -> str:
        results = search.search(organisation_id, category_ids, query,
                                limit=SEARCH_PER_PAGE, offset=(number - 1) * SEARCH_PER_PAGE,
                                candidates=candidates, count_cap=count_cap)
        # The pages reach as far as the ranked matches (the newest ones when there are many).
        page = Page(items=results.hits, page=number, per_page=SEARCH_PER_PAGE,
                    total=results.ranked)
        return str(render_template("forums/_search_results.html", query=query, page=page,
                                   results=results))

    # The text typed is in the key by its digest (any length, any character).
    digest = hashlib.sha256(query.encode()).hexdigest()
    html = cache.cached_value(
        SEARCH, organisation_id,
        _parts("search", ",".join(map(str, sorted(category_ids))), digest, number,
               candidates, count_cap),
        build, db.session, timeout=SEARCH_MAX_AGE)
    return Markup(html)  # noqa: S704 - rendered by Jinja with autoescaping


def blank_reply_form(topic: Topic) -> ReplyForm:
    """The reply form of a topic, without the anonymous box where the category does
    not allow it."""
    form = ReplyForm()
    if not topic.category.allow_anonymous:
        del form.anonymous
    return form


def project_needs_panel(project, user) -> Markup:
    """The project page's panel of the needs linked to `project`, limited to those whose
    category `user` may see: the rows (with their categories' access rules) and the
    panel around them are cached per project; the rows are chosen per reader."""
    def build() -> dict:
        macros = current_app.jinja_env.get_template("forums/_project_panel.html").module
        rows = [(access_of(need.topic.category), str(macros.row(need, count)))
                for need, count in queries.needs_of_project(project)]
        nonce = uuid.uuid4().hex  # where the rows go (no need title can forge it)
        slot = Markup(nonce)  # noqa: S704 - hex digits
        before, _slot, after = str(macros.panel(project, slot)).partition(nonce)
        return {"rows": rows, "before": before, "after": after,
                "empty": str(macros.panel(project, ""))}

    panel = cache.cached_value(PROJECT_NEEDS, project.organisation_id,
                               _parts("project_panel", project.id), build, db.session)
    rows = [html for access, html in panel["rows"] if sees(user, access)]
    # Rendered by Jinja with autoescaping: safe HTML.
    if not rows:
        return Markup(panel["empty"])  # noqa: S704
    return Markup(panel["before"] + "".join(rows) + panel["after"])  # noqa: S704
