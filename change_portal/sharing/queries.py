"""Read helpers of the sharing domain. Other collectivités' pages read only
published snapshots (`Fiche.published_content`); every page is a fixed number of
queries, whatever the number of fiches."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.sharing import search
from change_portal.sharing.models import (
    Fiche,
    FicheAttachment,
    FicheInterest,
    FicheQuestion,
    FicheReuse,
    QuestionReport,
)

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
        of_tenant(FicheInterest, organisation_id),
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
    return list(db.session.scalars(select(Fiche).where(of_tenant(Fiche, organisation_id))
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


@dataclass
class Thread:
    question: FicheQuestion
    answers: list[FicheQuestion]


def thread(fiche_id: int) -> list[Thread]:
    """Questions with their answers and the writers' collectivités, oldest first (one
    query; the authors' names are read apart, see views._shared). Rows already in the
    session are refreshed: the fiche page caches what this reads."""
    rows = db.session.scalars(
        select(FicheQuestion).where(FicheQuestion.fiche_id == fiche_id)
        .options(joinedload(FicheQuestion.organisation))
        .order_by(FicheQuestion.id).execution_options(populate_existing=True)).all()
    threads: dict[int, Thread] = {}
    for msg in rows:
        if msg.parent_id is None:
            threads[msg.id] = Thread(msg, [])
        elif msg.parent_id in threads:
            threads[msg.parent_id].answers.append(msg)
    return list(threads.values())


def open_reports(user) -> list[tuple[QuestionReport, FicheQuestion, Fiche]]:
    """Open reports the user moderates: every one for the operator, those on the
    collectivité's fiches for its admin."""
    stmt = (select(QuestionReport, FicheQuestion, Fiche)
            .join(FicheQuestion, FicheQuestion.id == QuestionReport.question_id)
            .join(Fiche, Fiche.id == FicheQuestion.fiche_id)
            .where(QuestionReport.dismissed_at.is_(None))
            .order_by(QuestionReport.created_at))
    if not user.has_role(Role.OPERATOR):
        stmt = stmt.where(of_tenant(Fiche, user.organisation_id))
    return [tuple(r) for r in db.session.execute(stmt).all()]


def question_on_published_or_404(question_id: int) -> tuple[FicheQuestion, Fiche]:
    row = db.session.execute(
        select(FicheQuestion, Fiche).join(Fiche, Fiche.id == FicheQuestion.fiche_id)
        .where(FicheQuestion.id == question_id, Fiche.published.is_(True))).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def unanswered_counts(fiche_ids: list[int]) -> dict[int, int]:
    """fiche id → questions without any answer (for the authors' list)."""
    if not fiche_ids:
        return {}
    answered = select(FicheQuestion.parent_id).where(FicheQuestion.parent_id.isnot(None))
    return dict(db.session.execute(
        select(FicheQuestion.fiche_id, func.count(FicheQuestion.id))
        .where(FicheQuestion.fiche_id.in_(fiche_ids), FicheQuestion.parent_id.is_(None),
               FicheQuestion.hidden_at.is_(None), FicheQuestion.id.notin_(answered))
        .group_by(FicheQuestion.fiche_id)).all())


def published_for_themes(slugs: list[str], exclude_organisation_id: int | None = None,
                         per_theme: int = 3) -> dict[str, list]:
    """{theme slug: the `per_theme` most recent published fiches filed under it},
    each a row (id, pub_title, organisation). One query whatever the number of
    themes, bounded by themes × per_theme rows and reading only the columns a
    panel shows (not the fiches' JSON contents), whatever the number of fiches."""
    if not slugs:
        return {}
    parts = []
    for slug in slugs:
        stmt = (select(literal(slug).label("theme"), Fiche.id, Fiche.pub_title,
                       Fiche.published_content["organisation"].as_string()
                       .label("organisation"),
                       Fiche.published_at)
                .where(Fiche.published.is_(True), Fiche.pub_themes.contains("," + slug + ","))
                .order_by(Fiche.published_at.desc(), Fiche.id.desc()).limit(per_theme))
        if exclude_organisation_id is not None:
            stmt = stmt.where(Fiche.organisation_id != exclude_organisation_id)
        # wrapped: SQLite refuses LIMIT on a bare member of a UNION
        parts.append(select(stmt.subquery()))
    by_theme: dict[str, list] = {slug: [] for slug in slugs}
    for row in db.session.execute(union_all(*parts)).all():
        by_theme[row.theme].append(row)
    for rows in by_theme.values():  # a UNION keeps no order: most recent first again
        rows.sort(key=lambda r: (r.published_at is not None, r.published_at, r.id),
                  reverse=True)
    return by_theme


def attachment_of(fiche_id: int, attachment_id: int) -> FicheAttachment | None:
    """An attachment of this fiche (an id of another fiche's is None)."""
    return db.session.scalar(select(FicheAttachment).where(
        FicheAttachment.id == attachment_id, FicheAttachment.fiche_id == fiche_id))
