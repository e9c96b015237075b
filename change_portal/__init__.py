"""change_portal: the digital transformation of a collectivité, carried with its agents."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config → extensions → blueprints → CLI → Jinja.

    Nothing else happens here: no migration, no data loading.
    """
    # Imported here, not at the top: importing a pure module of the package (the
    # course format, the Markdown pipeline) must not load Flask and every domain.
    import wtforms
    from flask import Flask

    from change_portal import app_setup
    from change_portal.config import ROOT, load_config

    instance_path = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(instance_path, config))
    # JSON (open data, API errors) in plain UTF-8: "Données", not "Donn\u00e9es".
    app.json.ensure_ascii = False
    # Our catalogue, then WTForms' own, so that its built-in validation messages
    # ("Not a valid choice") follow the person's language too.
    wtforms_locales = Path(wtforms.__file__).parent / "locale"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = (
        f"{Path(__file__).parent / 'translations'};{wtforms_locales}"
    )
    app.config["BABEL_DOMAIN"] = "messages;wtforms"

    app_setup.init_extensions(app)
    app_setup.register_blueprints(app)
    app_setup.register_cli(app)
    app_setup.init_jinja(app)
    return app
