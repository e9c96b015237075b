"""`flask --app change_portal sharing …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from change_portal.extensions import db
from change_portal.sharing import search

sharing_cli = AppGroup("sharing", help="Retours d'expérience entre collectivités.")


@sharing_cli.command("reindex")
def reindex() -> None:
    """Rebuild the full-text index of the published fiches."""
    count = search.reindex_all()
    db.session.commit()
    click.echo(f"{count} fiches indexed.")
