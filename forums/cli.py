"""`flask --app change_portal forums …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from change_portal.core.progress import Progress
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from forums import notify, search
from forums.services import create_default_categories

forums_cli = AppGroup("forums", help="Forums et besoins des usagers.")


@forums_cli.command("reindex")
@click.option("--organisation-id", type=int, default=None,
              help="Only this collectivité (all by default).")
@click.option("--restart", is_flag=True,
              help="Start over instead of resuming an interrupted reindex.")
def reindex(organisation_id: int | None, restart: bool) -> None:
    """Rebuild the full-text search index from the posts (committed chunk by chunk;
    rerun after an interruption, it resumes where it stopped)."""
    progress = Progress("Messages")
    count = search.reindex_all(organisation_id, on_progress=progress.update, restart=restart)
    db.session.commit()
    progress.finish(f"{count} messages indexed.")


@forums_cli.command("digest")
def digest() -> None:
    """Send the daily digests that are due now (the hourly job does the same)."""
    sent = notify.send_digests()
    db.session.commit()
    click.echo(f"{sent} digest(s) sent.")


@forums_cli.command("defaults")
def defaults() -> None:
    """Give every collectivité the default categories it lacks (e.g. collectivités
    created before the forums existed)."""
    made = 0
    for org in db.session.scalars(select(Organisation)):
        made += len(create_default_categories(org))
    db.session.commit()
    click.echo(f"{made} categories created.")
