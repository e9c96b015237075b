"""The published observatory: a public page and its open-data JSON. Both are
404 until the operator publishes a closed edition."""

from __future__ import annotations

from flask import abort, jsonify, render_template

from change_portal.core.permissions import public
from change_portal.maturity import observatory as obs_mod
from change_portal.maturity import queries
from change_portal.maturity.models import Edition
from change_portal.maturity.results import formatter
from change_portal.maturity.views import public_bp


def published_edition(slug: str) -> Edition:
    edition = queries.edition_by_slug(slug)
    if edition is None or edition.published_at is None or edition.is_open:
        abort(404)
    return edition


@public_bp.get("/observatoire/<edition>")
@public
def observatory(edition: str):
    obs = obs_mod.build(published_edition(edition))
    fmt = formatter()
    return render_template("maturity/observatory.html", obs=obs, fmt=fmt, public=True,
                           tables=obs_mod.stratum_tables(obs, fmt))


@public_bp.get("/api/v1/observatoire/<edition>")
@public
def observatory_json(edition: str):
    obs = obs_mod.build(published_edition(edition))
    response = jsonify(obs_mod.document(obs))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
