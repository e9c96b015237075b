"""The elected officials' pages (dashboard, council reports) under /feuille-de-route,
and the open-data blueprint (public pages and JSON API)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("officials", __name__, url_prefix="/feuille-de-route")

# The modules below attach their routes to `bp` (and `public_bp`).
from change_portal.officials.views import dashboard, public, reports  # noqa: E402,F401
from change_portal.officials.views.public import public_bp  # noqa: E402,F401
