"""Forums and user needs (besoins usagers)."""

from __future__ import annotations

from flask import Flask
from forums.views import bp


def init_app(app: Flask) -> None:
    """Register the blueprint, the CLI group and the signal receivers."""
    app.register_blueprint(bp)
