"""Pages of the maturity observatory: the collectivité's diagnosis and results,
the operator's editions and observatory, the public observatory and its JSON."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("maturity", __name__, url_prefix="/maturite")
platform_bp = Blueprint("maturity_platform", __name__, url_prefix="/plateforme/maturite")
public_bp = Blueprint("maturity_public", __name__)

from change_portal.maturity import models  # noqa: E402,F401 - tables known to Alembic


def init_app(app) -> None:
    """Register the blueprints (called by change_portal.app_setup)."""
    from change_portal.core.privacy import register_provider
    from change_portal.core.registry import register
    from change_portal.core.signals import demo_loaded
    from change_portal.maturity import demo, privacy
    from change_portal.maturity.cli import maturity
    from change_portal.maturity.home import dashboard_panel

    register_provider(privacy.PROVIDER)
    register("dashboard.panels", dashboard_panel)
    demo_loaded.connect(demo.load_demo, weak=False)

    for blueprint in (bp, platform_bp, public_bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(maturity)


from change_portal.maturity.views import diagnosis, platform, public, results  # noqa: E402,F401
