"""`flask --app change_portal courses …`: import the module library."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from change_portal.core.progress import Progress
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from courses import importer

courses_cli = AppGroup("courses", help="Learning modules: import the Markdown library.")


@courses_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--organisation", "slug", default=None,
              help="import as modules of this collectivité (default: shared platform modules)")
def sync_command(paths, slug):
    """Import or update modules from PATH… (folders of modules or module folders;
    default courses/library). Errors are printed as file:line: message and make
    the command exit with status 1; modules without error are still imported."""
    organisation_id = None
    if slug:
        organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.slug == slug))
        if organisation_id is None:
            raise click.ClickException(f"no collectivité with slug {slug!r}")
    progress = Progress("Modules")
    report = importer.sync(list(paths) or None, organisation_id, on_progress=progress.update)
    db.session.commit()
    for line in report.errors:
        click.echo(line, err=True)
    for line in report.warnings:
        click.echo(f"attention : {line}", err=True)
    progress.finish(f"Modules : {report.summary()}")
    if not report.ok:
        raise SystemExit(1)
