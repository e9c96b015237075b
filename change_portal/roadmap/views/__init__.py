"""The digital roadmap (schéma de développement numérique): its pages. The elected
officials' dashboard, the council reports and the open data are in change_portal.officials."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roadmap", __name__, url_prefix="/feuille-de-route")

# The module below attaches its routes to `bp`.
from change_portal.roadmap.views import manage  # noqa: E402,F401
