"""The published observatory: a public page and its open-data JSON. Both are
404 until the operator publishes a closed edition."""

from __future__ import annotations

from flask import abort, get_template_attribute, jsonify, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from change_portal.core import cache
from change_portal.core.permissions import public
from change_portal.extensions import db
from change_portal.maturity import observatory as obs_mod
from change_portal.maturity import queries
from change_portal.maturity.models import Edition, EditionStatus
from change_portal.maturity.results import formatter
from change_portal.maturity.views import public_bp

#: What the observatory is made of (declared in maturity.setup): platform rows only,
#: without a collectivité, read under this scope.
OBSERVATORY_WATCH, PLATFORM_SCOPE = "maturity.observatory", 0


def published_edition(slug: str) -> Edition:
    edition = queries.edition_by_slug(slug)
    if edition is None or edition.published_at is None or edition.is_open:
        abort(404)
    return edition


@public_bp.get("/observatoire/<edition>")
@public
def observatory(edition: str):
    return render_template("maturity/observatory.html",
                           body=observatory_body(published_edition(edition), public=True))


@public_bp.get("/api/v1/observatoire/<edition>")
@public
def observatory_json(edition: str):
    ed = published_edition(edition)
    document = cache.cached_value(
        OBSERVATORY_WATCH, PLATFORM_SCOPE, ("json", ed.id, str(get_locale())),
        lambda: obs_mod.document(obs_mod.build(ed)), db.session)
    response = jsonify(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def observatory_body(edition: Edition, *, public: bool) -> Markup | None:
    """The rendered observatory of a closed `edition` (None while it is open): the
    same for every reader, so rendered once, then from the cache until an edition,
    the referential or a distribution changes. `public`: the public page (a link
    to the JSON) or the operator's (a link back to the edition)."""
    if edition.status != EditionStatus.CLOSED:
        return None

    def build() -> str:
        obs, fmt = obs_mod.build(edition), formatter()
        body = get_template_attribute("maturity/_observatory_body.html", "body")
        return str(body(obs, obs_mod.stratum_tables(obs, fmt), fmt, public))

    html = cache.cached_value(
        OBSERVATORY_WATCH, PLATFORM_SCOPE,
        ("html", edition.id, public, str(get_locale()), request.script_root), build, db.session)
    return Markup(html)  # noqa: S704 - rendered by Jinja with autoescaping
