"""Read-only queries of the maturity domain (no writes, no request access)."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.extensions import db
from change_portal.maturity.models import Referential, Theme
from change_portal.maturity.referential import SHIPPED, load_folder


def theme_choices() -> list[tuple[str, str]]:
    """(slug, French title) of the themes of the latest referential in the
    database, or of the shipped referential when none is loaded. Used by other
    domains (the experience sharing tags its fiches with these slugs)."""
    latest_id = db.session.scalar(
        select(Referential.id).order_by(Referential.id.desc()).limit(1))
    if latest_id is not None:
        rows = db.session.execute(
            select(Theme.slug, Theme.title).where(Theme.referential_id == latest_id)
            .order_by(Theme.position, Theme.id)).all()
        return [(slug, title) for slug, title in rows]
    return [(t.slug, t.title) for t in load_folder(SHIPPED).themes]
