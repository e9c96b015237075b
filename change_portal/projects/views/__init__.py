"""Projects, their consensus-building actions, proposals and positions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projets")

# The modules below attach their routes to `bp`.
from change_portal.projects.views import consensus, pages  # noqa: E402,F401
