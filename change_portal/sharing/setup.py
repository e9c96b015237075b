"""Wiring of the sharing domain (retours d'expérience), in one place (called by
create_app after the forums, whose demo links needs to the demo projects)."""

from __future__ import annotations

from flask import Flask

from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.sharing import demo, hooks, models, privacy  # noqa: F401 - models: tables
from change_portal.sharing.cli import sharing_cli
from change_portal.sharing.views import bp


def init_app(app: Flask) -> None:
    """Blueprint, CLI group, project page panel, maturity theme panels, privacy
    provider, demo content."""
    app.register_blueprint(bp)
    app.cli.add_command(sharing_cli)
    register("project.panels", hooks.project_panel, order=60)
    # The maturity results page calls it once for all its themes.
    register("maturity.theme_panels", hooks.maturity_theme_panels)
    register_provider(privacy.PROVIDER)
    demo_loaded.connect(demo.load_demo, weak=False)
