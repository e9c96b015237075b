"""Wiring of the maturity observatory, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.maturity import demo, privacy
from change_portal.maturity.cli import maturity
from change_portal.maturity.home import dashboard_panel
from change_portal.maturity.views import bp, platform_bp, public_bp


def init_app(app: Flask) -> None:
    """Blueprints (collectivité, operator, public), the `flask maturity` commands, the
    privacy provider, the elected officials' dashboard block and the demo content."""
    for blueprint in (bp, platform_bp, public_bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(maturity)
    register_provider(privacy.PROVIDER)
    register("dashboard.panels", dashboard_panel)
    demo_loaded.connect(demo.load_demo, weak=False)
