"""Wiring of the maturity observatory, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask

from change_portal.core import cache
from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.maturity import demo, privacy
from change_portal.maturity.cli import maturity
from change_portal.maturity.home import dashboard_panel
from change_portal.maturity.models import (
    Answer,
    Diagnosis,
    DiagnosisHistory,
    Distribution,
    Edition,
    Referential,
    Statement,
    Theme,
    ThemeObjective,
)
from change_portal.maturity.views import bp, platform_bp, public_bp
from change_portal.organisations.models import Organisation
from change_portal.roadmap.models import Objective


def init_app(app: Flask) -> None:
    """Blueprints (collectivité, operator, public), the `flask maturity` commands, the
    privacy provider, the elected officials' dashboard block and the demo content."""
    for blueprint in (bp, platform_bp, public_bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(maturity)
    register_provider(privacy.PROVIDER)
    register("dashboard.panels", dashboard_panel)
    demo_loaded.connect(demo.load_demo, weak=False)
    # What the cached shared part of the results page is made of: the diagnosis, its
    # answers, the earlier diagnoses (evolution), editions, the referential, the
    # peers' distributions, the collectivité (its stratum while in progress), the
    # linked roadmap objectives (their titles); the domains answering the
    # "maturity.theme_modules" hook add their models to this watch (courses.setup).
    cache.watch("maturity.results", (Diagnosis, Answer, DiagnosisHistory, Edition, Referential,
                                     Theme, Statement, Distribution, ThemeObjective,
                                     Objective, Organisation))
    # The observatory (page and open-data JSON): platform rows only (no collectivité),
    # so every write reaches every scope; read under organisation 0.
    cache.watch("maturity.observatory", (Edition, Referential, Theme, Distribution))
