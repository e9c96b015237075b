"""Routes of the sharing domain: fiches (own collectivité), catalogue (every
collectivité, published fiches only), questions, journées de partage."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sharing", __name__, url_prefix="/retours-experience")

# The modules below attach their routes to `bp`.
from change_portal.sharing.views import (  # noqa: E402,F401
    attachments,
    catalogue,
    events,
    fiches,
    qa,
)
