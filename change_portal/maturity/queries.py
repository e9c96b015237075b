"""Read-only queries of the maturity domain (no writes, no request access)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from change_portal.accounts.models import User
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity.models import (
    Answer,
    Assignment,
    Diagnosis,
    DiagnosisHistory,
    Edition,
    Referential,
    Statement,
    Theme,
)
from change_portal.maturity.referential import SHIPPED, load_folder
from change_portal.organisations.models import Organisation
from change_portal.roadmap.models import Axis, Objective


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


# --- the diagnosis -----------------------------------------------------------------------------


@dataclass
class ThemeProgress:
    theme: Theme
    answered: int
    total: int
    assignee: User | None
    level: float | None

    @property
    def done(self) -> bool:
        return self.total > 0 and self.answered == self.total


@dataclass
class DiagnosisView:
    diagnosis: Diagnosis
    themes: list[ThemeProgress]

    @property
    def answered(self) -> int:
        return sum(t.answered for t in self.themes)

    @property
    def total(self) -> int:
        return sum(t.total for t in self.themes)


def themes_of(referential_id: int) -> list[Theme]:
    """The themes of a referential with their statements (one statement)."""
    return list(db.session.scalars(
        select(Theme).where(Theme.referential_id == referential_id)
        .options(joinedload(Theme.statements)).order_by(Theme.position, Theme.id)).unique())


def themes_and_answers(referential_id: int, diagnosis_id: int
                       ) -> tuple[list[Theme], dict[int, Answer]]:
    """The themes with their statements and {statement id: answer} of one diagnosis,
    in one statement (statements outer-joined to the diagnosis' answers)."""
    rows = db.session.execute(
        select(Theme, Answer)
        .outerjoin(Theme.statements)
        .outerjoin(Answer, and_(Answer.statement_id == Statement.id,
                                Answer.diagnosis_id == diagnosis_id))
        .where(Theme.referential_id == referential_id)
        .options(contains_eager(Theme.statements))
        .order_by(Theme.position, Theme.id, Statement.position, Statement.id)).unique().all()
    themes = list(dict.fromkeys(theme for theme, _answer in rows))
    return themes, {a.statement_id: a for _theme, a in rows if a is not None}


def answers_of(diagnosis_id: int) -> dict[int, Answer]:
    """{statement id: answer} of one diagnosis."""
    return {a.statement_id: a for a in db.session.scalars(
        select(Answer).where(Answer.diagnosis_id == diagnosis_id))}


def assignments_of(diagnosis_id: int) -> dict[int, Assignment]:
    """{theme id: assignment} with the assignee loaded."""
    return {a.theme_id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.diagnosis_id == diagnosis_id)
        .options(selectinload(Assignment.user)))}


def diagnosis_view(diagnosis: Diagnosis, *, with_assignees: bool = True) -> DiagnosisView:
    """Progress per theme and overall (answered / total), assignees, levels."""
    themes, answers = themes_and_answers(diagnosis.edition.referential_id, diagnosis.id)
    assignments = assignments_of(diagnosis.id) if with_assignees else {}
    rows = []
    for theme in themes:
        values = [answers[s.id].level if s.id in answers else None for s in theme.statements]
        assignment = assignments.get(theme.id)
        rows.append(ThemeProgress(
            theme=theme, answered=sum(v is not None for v in values),
            total=len(theme.statements), assignee=assignment.user if assignment else None,
            level=rules.theme_level(values)))
    return DiagnosisView(diagnosis=diagnosis, themes=rows)


def diagnosis_or_404(diagnosis_id: int, organisation_id: int) -> Diagnosis:
    """A diagnosis of `organisation_id` with its edition (one query), or 404:
    another collectivité's diagnosis is never disclosed."""
    from flask import abort

    diagnosis = db.session.scalar(
        select(Diagnosis).where(Diagnosis.id == diagnosis_id,
                                of_tenant(Diagnosis, organisation_id))
        .options(joinedload(Diagnosis.edition)))
    if diagnosis is None:
        abort(404)
    return diagnosis


def diagnosis_for(organisation_id: int, edition_id: int) -> Diagnosis | None:
    return db.session.scalar(select(Diagnosis).where(
        of_tenant(Diagnosis, organisation_id), Diagnosis.edition_id == edition_id))


def diagnoses_of(organisation_id: int) -> list[Diagnosis]:
    """The collectivité's diagnoses, newest edition first."""
    return list(db.session.scalars(
        select(Diagnosis).where(of_tenant(Diagnosis, organisation_id))
        .options(joinedload(Diagnosis.edition)).order_by(Diagnosis.edition_id.desc())))


def history_of(diagnosis_id: int, limit: int = 100) -> list[DiagnosisHistory]:
    return list(db.session.scalars(
        select(DiagnosisHistory).where(DiagnosisHistory.diagnosis_id == diagnosis_id)
        .options(joinedload(DiagnosisHistory.actor))
        .order_by(DiagnosisHistory.at.desc(), DiagnosisHistory.id.desc()).limit(limit)))


def members(organisation_id: int) -> list[User]:
    """Active members a theme can be assigned to."""
    return list(db.session.scalars(
        select(User).where(of_tenant(User, organisation_id), User.active.is_(True),
                           User.erased_at.is_(None)).order_by(User.full_name)))


def theme_by_slug(referential_id: int, slug: str) -> Theme | None:
    if len(slug) > 60:
        return None
    return db.session.scalar(select(Theme).where(Theme.referential_id == referential_id,
                                                 Theme.slug == slug)
                             .options(selectinload(Theme.statements)))


# --- editions (operator) ----------------------------------------------------------------------


def editions() -> list[Edition]:
    return list(db.session.scalars(select(Edition).order_by(Edition.id.desc())))


def referentials() -> list[Referential]:
    return list(db.session.scalars(select(Referential).order_by(Referential.id.desc())))


def participation(edition_id: int) -> list[tuple[Organisation, str | None]]:
    """Every collectivité with the state of its diagnosis (None: not started).
    Names and states only: never a level, an answer or a comment."""
    rows = db.session.execute(
        select(Organisation, Diagnosis.status)
        .outerjoin(Diagnosis, (Diagnosis.organisation_id == Organisation.id)
                   & (Diagnosis.edition_id == edition_id))
        .order_by(Organisation.name)).all()
    return [(org, status) for org, status in rows]


def edition_by_slug(slug: str) -> Edition | None:
    """The edition with this address (any state: the caller decides what is public)."""
    if len(slug) > 60:  # longer than any slug: no query
        return None
    return db.session.scalar(select(Edition).where(Edition.slug == slug)
                             .options(joinedload(Edition.referential)))


def objective_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(id, title) of the roadmap objectives of a collectivité, by title (to link a theme)."""
    return [(o.id, o.title) for o in db.session.scalars(
        select(Objective).where(of_tenant(Objective, organisation_id))
        .order_by(Objective.title))]


def axis_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(id, title) of the roadmap axes of a collectivité, in the roadmap's order."""
    return [(a.id, a.title) for a in db.session.scalars(
        select(Axis).where(of_tenant(Axis, organisation_id)).order_by(Axis.position, Axis.id))]
