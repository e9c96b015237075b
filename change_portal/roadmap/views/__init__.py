"""The digital roadmap (schéma de développement numérique): its pages, the
elected officials' dashboard, the council reports, and the open-data API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roadmap", __name__, url_prefix="/feuille-de-route")

# The modules below attach their routes to `bp` (and `public_bp`).
from change_portal.roadmap.views import dashboard, manage, public, reports  # noqa: E402,F401
from change_portal.roadmap.views.public import public_bp  # noqa: E402,F401
