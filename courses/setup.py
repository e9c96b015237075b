"""Wiring of the learning domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.core.home import register_panel
from change_portal.core.jobs import register_periodic
from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.organisations.models import Service
from change_portal.projects.models import project_service
from courses import home, hooks, jobs, privacy, shared
from courses.cli import courses_cli
from courses.demo import load_demo
from courses.models import Competence, Completion, Module, ModuleVersion, ProjectModule
from courses.views import bp


def init_app(app: Flask) -> None:
    """Register the blueprint, the CLI group, the signal receivers, the hooks and the
    periodic reminder."""
    app.register_blueprint(bp)
    app.cli.add_command(courses_cli)
    demo_loaded.connect(load_demo, weak=False)
    register_panel(home.todo_panel, order=20)
    register("project.readiness", hooks.project_readiness)
    register("project.readiness_many", hooks.project_readiness_many)
    # What readiness is computed from (the active agents of the projects' services, the
    # completions of the required modules) and the project page's panel shows (the
    # modules' titles): pages that cache it are rebuilt when it changes.
    cache.watch(hooks.READINESS_WATCH, (Completion, Module, ModuleVersion, ProjectModule,
                                        User, Service), (project_service.name,))
    # The catalogue's lists and the lessons' content, cached (courses.shared).
    cache.watch(shared.WATCH, shared.WATCHED)
    register("project.panels", hooks.project_panel)
    register("maturity.theme_modules", hooks.maturity_theme_modules)
    # The maturity results cache the modules this hook answers with (titles, ids).
    cache.watch("maturity.results", (Module, ModuleVersion, Competence))
    register_provider(privacy.PROVIDER)
    register_periodic(jobs.send_assignment_reminders)
