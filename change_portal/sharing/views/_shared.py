"""The parts of the catalogue and of a published fiche's page that are the same for
every reader (issue 15): rendered once, then served from the cache until something
they are made of changes (sharing.setup declares the watches).

Scope: published fiches, their questions and answers are read by every collectivité,
and a write by collectivité A (a new fiche, an answer, a "ça nous intéresse") changes
what B sees. A watch keyed per collectivité would only replace A's token, so both
watches are declared `across_collectivites` (any write replaces the one token every
reader uses) and the entries are everyone's: organisation_id `EVERYONE`.

What is personal stays out of the entries, as markers the request fills in: a
"dont la vôtre" per card of the catalogue, the CSRF fields of the fiche page's forms,
and the authors' names (users are written at every login and notification: watching
them would empty the cache all the time, so the names are read per request). Markers
carry a random nonce drawn with the entry: text written by members cannot forge one.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from functools import partial

from flask import abort, get_template_attribute, render_template, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import load_only

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.pagination import paginate
from change_portal.extensions import db
from change_portal.organisations.models import KIND_LABELS
from change_portal.organisations.strata import POPULATION_BANDS
from change_portal.sharing import queries
from change_portal.sharing.models import Fiche
from change_portal.sharing.themes import theme_choices, theme_titles
from change_portal.sharing.views._helpers import fiche_view, snapshot_view

CATALOGUE_WATCH = "sharing.catalogue"
FICHE_WATCH = "sharing.fiche"
EVERYONE = 0  # the organisation_id of entries shared by every collectivité
PER_PAGE = 20


def _marker(nonce: str, kind: str, value="") -> Markup:
    return Markup(f"<!--{nonce}:{kind}:{value}-->")  # noqa: S704 - hex, a word, an id


def fill(html: str, nonce: str, fills: dict[str, Callable[[str], str]]) -> Markup:
    """The cached HTML with its markers replaced by `fills[kind](value)` (safe HTML)."""
    pattern = re.compile(f"<!--{re.escape(nonce)}:(\\w+):(\\w*)-->")
    # The entry was rendered by Jinja with autoescaping, the fills are Markup: safe.
    return Markup(pattern.sub(lambda m: str(fills[m[1]](m[2])), html))  # noqa: S704


def _key(*parts) -> str:
    # One bounded, unambiguous key part whatever the query string holds.
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# --- the catalogue ----------------------------------------------------------------


def raw_filters(args) -> tuple:
    """The query string's filters as far as they can be normalised without reading
    the database (the theme is checked against the themes inside the build, so that
    a cache hit reads none)."""
    return ((args.get("theme") or "")[:80],
            args.get("type", "") if args.get("type") in {k.value for k in KIND_LABELS} else "",
            args.get("taille", "") if args.get("taille") in {b.slug for b in POPULATION_BANDS}
            else "",
            args.get("code") == "1", (args.get("q") or "")[:200].strip(),
            args.get("tri") if args.get("tri") in queries.SORTS else "recent")


def catalogue_part(raw: tuple, number: int) -> tuple[str, str, list[int], int]:
    """(html, nonce, fiche ids, total) of the filter form, the count and the cards
    of page `number`: the same for every reader."""
    def build():
        theme, kind, band, open_source, q, sort = raw
        filters = queries.Filters(theme=theme if theme in theme_titles() else "", kind=kind,
                                  band=band, open_source=open_source, q=q, sort=sort)
        page = paginate(queries.catalogue_stmt(filters), per_page=PER_PAGE)
        nonce = uuid.uuid4().hex
        html = render_template(
            "sharing/_catalogue_shared.html", page=page, fiches=page.items,
            views=[fiche_view(f, f.published_content or {}) for f in page.items],
            filters=filters, themes=theme_choices(), kinds=KIND_LABELS, bands=POPULATION_BANDS,
            marker=partial(_marker, nonce))
        return str(html), nonce, [f.id for f in page.items], page.total

    return cache.cached_value(
        CATALOGUE_WATCH, EVERYONE,
        (str(get_locale()), _key(request.script_root, *raw), number), build, db.session)


# --- a published fiche's page -----------------------------------------------------


def fiche_part(fiche_id: int, moderator: bool) -> dict:
    """The body of a published fiche and its questions and answers, as every reader
    sees them (two versions: for its moderators, hidden messages and the buttons).
    {"body", "qa": html, "nonce", "authors": ids of the named authors}."""
    def build():
        # Read again here, after the cache's tokens: a fiche loaded before them might
        # predate a change whose token is already the one this entry is stored under.
        content = db.session.scalar(select(Fiche.published_content).where(
            Fiche.id == fiche_id, Fiche.published.is_(True)))
        if content is None:
            abort(404)  # unpublished meanwhile
        nonce = uuid.uuid4().hex
        threads = queries.thread(fiche_id)
        body = get_template_attribute("sharing/_fiche_body.html", "fiche_body")(
            snapshot_view(fiche_id, content))
        qa = render_template("sharing/_fiche_qa.html", threads=threads, moderator=moderator,
                             marker=partial(_marker, nonce))
        authors = sorted({m.author_id for t in threads for m in (t.question, *t.answers)
                          if m.author_id is not None})
        return {"body": str(body), "qa": str(qa), "nonce": nonce, "authors": authors}

    return cache.cached_value(
        FICHE_WATCH, EVERYONE,
        (str(get_locale()), _key(request.script_root), fiche_id, moderator), build, db.session)


def author_names(ids: list[int]) -> dict[int, str]:
    """id → display name of the authors still there (one query, read per request)."""
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids))
                               .options(load_only(User.full_name, User.erased_at)))
    return {u.id: u.display_name for u in users}
