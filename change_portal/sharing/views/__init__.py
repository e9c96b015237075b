"""Routes of the sharing domain: fiches (own collectivité), catalogue (every
collectivité, published fiches only), questions, journées de partage."""

from __future__ import annotations

from flask import Blueprint

from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.sharing import (
    hooks,
    models,  # noqa: F401 - registers the tables
    privacy,
)

bp = Blueprint("sharing", __name__, url_prefix="/retours-experience")
register_provider(privacy.PROVIDER)
register("project.panels", hooks.project_panel, order=60)
# The maturity results page calls it once for all its themes (when maturity is there).
register("maturity.theme_panels", hooks.maturity_theme_panels)

# The modules below attach their routes to `bp`.
from change_portal.sharing.views import attachments, catalogue, events, fiches, qa  # noqa: E402,F401
