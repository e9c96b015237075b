"""Open data: the published roadmap as a public page and as JSON.

GET /api/v1/organisations/<slug>/roadmap is public when the collectivité
publishes its roadmap; otherwise it needs a logged-in member of that
collectivité, and anyone else gets 404 exactly as for an unknown slug (a 401
would tell an anonymous caller that the collectivité exists).
The JSON is built once per change (officials.opendata.published_document, cached
under version tokens that any committed write to the roadmap or the projects
replaces) and carries an ETag: a re-user polling it gets 304 Not Modified.
GET /o/<slug>/roadmap is a public page, 404 while the roadmap is not published.
GET /donnees-ouvertes lists the published roadmaps with both addresses, so that
citizens and re-users find them from the public home and the footer.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from change_portal.core.permissions import public
from change_portal.extensions import db
from change_portal.officials.opendata import published_document
from change_portal.organisations.models import Organisation
from change_portal.roadmap import queries

public_bp = Blueprint("opendata", __name__)


def _organisation(slug: str) -> Organisation | None:
    if len(slug) > 60:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


@public_bp.get("/api/v1/organisations/<slug>/roadmap")
@public
def roadmap_json(slug: str):
    org = _organisation(slug)
    if org is None:
        abort(404)
    if not org.roadmap_published and (
            not current_user.is_authenticated or current_user.organisation_id != org.id):
        abort(404)
    body, etag = published_document(org)
    if etag in request.if_none_match:
        resp = Response(status=304)
    else:
        resp = Response(body, mimetype="application/json")
    resp.set_etag(etag)
    # Revalidated on every use (never stale after a change), cheap with the ETag.
    # A member's view of an unpublished roadmap stays out of shared caches.
    resp.headers["Cache-Control"] = "public, no-cache" if org.roadmap_published \
        else "private, no-cache"
    if org.roadmap_published:
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Expose-Headers"] = "ETag"
    return resp


@public_bp.get("/o/<slug>/roadmap")
@public
def public_roadmap(slug: str):
    org = _organisation(slug)
    if org is None or not org.roadmap_published:
        abort(404)
    view = queries.load_roadmap(org.id)
    return render_template("officials/public.html", org=org, view=view)


@public_bp.get("/donnees-ouvertes")
@public
def published():
    orgs = queries.published_organisations()
    return render_template("officials/published.html", orgs=orgs)
