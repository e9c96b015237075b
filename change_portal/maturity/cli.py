"""`flask --app change_portal maturity ...` commands."""

from __future__ import annotations

import click

from change_portal.extensions import db
from change_portal.maturity.referential import ReferentialError, load_folder
from change_portal.maturity.sync import sync_referential

MESSAGES = {
    "created": "référentiel {slug} chargé (version {version})",
    "unchanged": "référentiel {slug} déjà à jour (version {version}) : rien à faire",
    "updated": "référentiel {slug} mis à jour (version {version}, pas encore utilisée)",
    "new_version": "référentiel {slug} : nouvelle version {version} (la précédente a "
                   "servi à des diagnostics soumis et reste inchangée)",
}


@click.group("maturity")
def maturity():
    """Observatoire de la maturité numérique."""


@maturity.command("sync")
@click.argument("path", type=click.Path(file_okay=False))
def sync(path):
    """Load or update the referential in folder PATH (atomic, idempotent)."""
    try:
        data = load_folder(path)
        result = sync_referential(data)
        db.session.commit()
    except ReferentialError as err:
        db.session.rollback()
        for line in err.errors:
            click.echo(line, err=True)
        click.echo(f"{len(err.errors)} erreur(s) : rien n'a été chargé.", err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    ref = result.referential
    click.echo(MESSAGES[result.action].format(slug=ref.slug, version=ref.version))


@maturity.command("refresh")
@click.argument("edition")
def refresh(edition):
    """Recompute the peer distributions of EDITION (its slug), e.g. after a repair."""
    from sqlalchemy import select

    from change_portal.maturity.jobs import refresh_distributions
    from change_portal.maturity.models import Edition

    row = db.session.scalar(select(Edition).where(Edition.slug == edition))
    if row is None:
        raise click.ClickException(f"aucune édition « {edition} »")
    groups = refresh_distributions(row.id)
    db.session.commit()
    click.echo(f"édition {edition} : {groups} distributions recalculées")
