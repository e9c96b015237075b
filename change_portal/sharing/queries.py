"""Read helpers of the sharing domain. Other collectivités' pages read only
published snapshots (`Fiche.published_content`); every page is a fixed number of
queries, whatever the number of fiches."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, func, select

from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.sharing import search
from change_portal.sharing.models import Fiche, FicheInterest, FicheReuse

SORTS = ("recent", "interet")


@dataclass
class Filters:
    theme: str = ""
    kind: str = ""
    band: str = ""
    open_source: bool = False
    q: str = ""
    sort: str = "recent"


def published_fiche_or_404(fiche_id: int) -> Fiche:
    """A published fiche of any collectivité (the only rows other collectivités
    may reach); 404 for a draft, an unpublished or an unknown id."""
    fiche = db.session.scalar(select(Fiche).where(Fiche.id == fiche_id,
                                                  Fiche.published.is_(True)))
    if fiche is None:
        abort(404)
    return fiche


def catalogue_stmt(filters: Filters) -> Select:
    """SELECT the published fiches matching the filters, in the chosen order."""
    stmt = select(Fiche).where(Fiche.published.is_(True))
    if filters.theme:
        stmt = stmt.where(Fiche.pub_themes.contains("," + filters.theme + ","))
    if filters.kind:
        stmt = stmt.where(Fiche.kind == filters.kind)
    if filters.band:
        stmt = stmt.where(Fiche.band == filters.band)
    if filters.open_source:
        stmt = stmt.where(Fiche.has_repo.is_(True))
    order = [Fiche.published_at.desc(), Fiche.id.desc()]
    if filters.sort == "interet":
        order = [Fiche.interest_count.desc(), *order]
    if filters.q:
        found = search.matching(filters.q)
        if found is None:
            return stmt.where(Fiche.id.is_(None))
        hits, rank_order = found
        sub = hits.subquery("hits")
        stmt = stmt.join(sub, sub.c.fiche_id == Fiche.id)
        if filters.sort != "interet":
            order = [sub.c.rank.desc(), Fiche.id.desc()]
    return stmt.order_by(*order)


def interested_ids(organisation_id: int, fiche_ids: list[int]) -> set[int]:
    """Which of these fiches the collectivité already marked (one query)."""
    if not fiche_ids:
        return set()
    return set(db.session.scalars(select(FicheInterest.fiche_id).where(
        FicheInterest.organisation_id == organisation_id,
        FicheInterest.fiche_id.in_(fiche_ids))))


def interested_organisations(fiche_id: int) -> list[Organisation]:
    """The collectivités interested in a fiche (shown to its authors only)."""
    return list(db.session.scalars(
        select(Organisation).join(FicheInterest, FicheInterest.organisation_id == Organisation.id)
        .where(FicheInterest.fiche_id == fiche_id).order_by(Organisation.name)))


def reuse_count(fiche_id: int) -> int:
    """How many collectivités made a project from this fiche."""
    return db.session.scalar(select(func.count(func.distinct(FicheReuse.organisation_id)))
                             .where(FicheReuse.fiche_id == fiche_id)) or 0


def own_fiches(organisation_id: int) -> list[Fiche]:
    return list(db.session.scalars(select(Fiche).where(Fiche.organisation_id == organisation_id)
                                   .order_by(Fiche.updated_at.desc(), Fiche.id.desc())))


def published_by_theme(theme: str, limit: int = 10) -> list[Fiche]:
    """Published fiches of one theme, most recent first (maturity's results page)."""
    return list(db.session.scalars(
        select(Fiche).where(Fiche.published.is_(True),
                            Fiche.pub_themes.contains("," + theme + ","))
        .order_by(Fiche.published_at.desc(), Fiche.id.desc()).limit(limit)))



def project_fiches(project_id: int) -> tuple[list[Fiche], Fiche | None]:
    """The fiches made from a project, and the published fiche it was inspired by
    (one query: the project page's budget is tight)."""
    reused = select(FicheReuse.fiche_id).where(FicheReuse.project_id == project_id)
    rows = db.session.scalars(select(Fiche).where(
        (Fiche.project_id == project_id) | Fiche.id.in_(reused)).order_by(Fiche.id)).all()
    own = [f for f in rows if f.project_id == project_id]
    origin = next((f for f in rows if f.project_id != project_id and f.published), None)
    return own, origin
