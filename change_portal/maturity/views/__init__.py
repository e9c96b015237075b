"""Pages of the maturity observatory: the collectivité's diagnosis and results,
the operator's editions and observatory, the public observatory and its JSON."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("maturity", __name__, url_prefix="/maturite")
platform_bp = Blueprint("maturity_platform", __name__, url_prefix="/plateforme/maturite")
public_bp = Blueprint("maturity_public", __name__)

# The modules below attach their routes to the blueprints (models: tables known to Alembic).
from change_portal.maturity import models  # noqa: E402,F401
from change_portal.maturity.views import diagnosis, platform, public, results  # noqa: E402,F401
