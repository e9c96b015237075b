"""Wiring of the projects domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core import cache
from change_portal.core.home import register_panel
from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.projects import demo, hooks, privacy, shared
from change_portal.projects.home import proposals_panel
from change_portal.projects.views import bp


def init_app(app: Flask) -> None:
    """Blueprint, home panel, the objective page's panel, privacy provider, demo content
    (before the domains that link to the demo projects: courses and forums are set up
    after this one), and what the project page's cached part is made of."""
    app.register_blueprint(bp)
    register_panel(proposals_panel, order=25)
    register("objective.panels", hooks.objective_panel)
    register_provider(privacy.PROVIDER)
    demo_loaded.connect(demo.load_demo, weak=False)
    # The project page's shared part (projects.shared) and what it is made of.
    cache.watch(shared.WATCH, shared.WATCHED, shared.WATCHED_TABLES)
