"""`flask --app change_portal forums …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from change_portal.extensions import db
from forums import notify, search

forums_cli = AppGroup("forums", help="Forums et besoins des usagers.")


@forums_cli.command("reindex")
@click.option("--organisation-id", type=int, default=None,
              help="Only this collectivité (all by default).")
def reindex(organisation_id: int | None) -> None:
    """Rebuild the full-text search index from the posts."""
    count = search.reindex_all(organisation_id)
    db.session.commit()
    click.echo(f"{count} messages indexed.")


@forums_cli.command("digest")
def digest() -> None:
    """Send the daily digests that are due now (the hourly job does the same)."""
    sent = notify.send_digests()
    db.session.commit()
    click.echo(f"{sent} digest(s) sent.")
