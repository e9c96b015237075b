"""Projects, their consensus-building actions, proposals and positions."""

from __future__ import annotations

from flask import Blueprint

from change_portal.core.home import register_panel
from change_portal.core.privacy import register_provider
from change_portal.projects import privacy
from change_portal.projects.home import proposals_panel

bp = Blueprint("projects", __name__, url_prefix="/projets")
register_panel(proposals_panel, order=25)
register_provider(privacy.PROVIDER)

# The modules below attach their routes to `bp`.
from change_portal.projects.views import consensus, pages  # noqa: E402,F401
