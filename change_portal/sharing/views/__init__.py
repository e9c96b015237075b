"""Routes of the sharing domain: fiches (own collectivité), catalogue (every
collectivité, published fiches only), questions, journées de partage."""

from __future__ import annotations

from flask import Blueprint

from change_portal.core.privacy import register_provider
from change_portal.sharing import (
    models,  # noqa: F401 - registers the tables
    privacy,
)

bp = Blueprint("sharing", __name__, url_prefix="/retours-experience")
register_provider(privacy.PROVIDER)

# The modules below attach their routes to `bp`.
from change_portal.sharing.views import catalogue, fiches  # noqa: E402,F401
