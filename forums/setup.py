"""Wiring of the forums and user needs, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core import registry
from change_portal.core.home import register_panel
from change_portal.core.jobs import register_periodic
from change_portal.core.privacy import register_provider
from change_portal.core.signals import demo_loaded, organisation_created
from forums import (
    categories,
    demo,
    home,
    hooks,
    jobs,
    models,  # noqa: F401 - registers the tables
    privacy,
    shared,
)
from forums.cli import forums_cli
from forums.services import create_default_categories
from forums.views import bp


def _on_organisation_created(org, actor=None, **_kw) -> None:
    create_default_categories(org)


def init_app(app: Flask) -> None:
    """Register the blueprint, the CLI group, the signal receivers, the hooks and the
    periodic digest."""
    app.register_blueprint(bp)
    app.cli.add_command(forums_cli)
    organisation_created.connect(_on_organisation_created, weak=False)
    demo_loaded.connect(demo.load_demo, weak=False)
    registry.register("project.panels", hooks.project_panel)
    registry.register("project.needs_many", hooks.project_needs_many)
    registry.register("project.need_titles", hooks.project_need_titles)
    registry.register("retention.purge", hooks.purge_old_notifications)
    register_panel(home.home_panel, order=40)
    app.context_processor(hooks.unread_context)
    register_provider(privacy.PROVIDER)
    register_periodic(jobs.send_daily_digests)
    shared.install_watches()
    categories.install_watch()
