"""Wiring of the sharing domain (retours d'expérience), in one place (called by
create_app after the forums, whose demo links needs to the demo projects)."""

from __future__ import annotations

from flask import Flask

from change_portal.core import cache
from change_portal.core.privacy import register_provider
from change_portal.core.registry import register
from change_portal.core.signals import demo_loaded
from change_portal.maturity.models import Referential, Theme
from change_portal.organisations.models import Organisation
from change_portal.sharing import demo, hooks, models, privacy  # noqa: F401 - models: tables
from change_portal.sharing.cli import sharing_cli
from change_portal.sharing.models import (
    Fiche,
    FicheAttachment,
    FicheInterest,
    FicheQuestion,
    FicheReuse,
    FicheRevision,
    SharingSearchEntry,
)
from change_portal.sharing.views import _shared, bp


def init_app(app: Flask) -> None:
    """Blueprint, CLI group, project page panel, maturity theme panels, privacy
    provider, demo content, and what the cached parts of the catalogue and of the
    fiche pages are made of."""
    app.register_blueprint(bp)
    app.cli.add_command(sharing_cli)
    register("project.panels", hooks.project_panel, order=60)
    # The maturity results page calls it once for all its themes.
    register("maturity.theme_panels", hooks.maturity_theme_panels)
    register_provider(privacy.PROVIDER)
    demo_loaded.connect(demo.load_demo, weak=False)
    # Across collectivités: what one publishes, asks or marks is read by all the others
    # (see views/_shared.py). Fiches hold the published snapshot, the interest counts
    # and the filters' columns; revisions, interests and reuses are written with them
    # (watched so that no later change of the services can forget to touch the fiche);
    # the search entries answer ?q=; themes name the badges and the filter; deleting
    # a collectivité deletes its fiches in the database (ON DELETE CASCADE).
    published = (Fiche, FicheRevision, FicheInterest, FicheReuse, FicheAttachment,
                 SharingSearchEntry, Referential, Theme, Organisation)
    cache.watch(_shared.CATALOGUE_WATCH, published, across_collectivites=True)
    # The fiche's page adds the questions and answers (and their writers' collectivités'
    # names, which Organisation covers); the authors' names are read per request.
    cache.watch(_shared.FICHE_WATCH, (*published, FicheQuestion), across_collectivites=True)
