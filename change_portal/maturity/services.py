"""Business rules of the maturity observatory. Explicit arguments, never the
request; they flush, the views commit.

Who may do what:
- the platform operator opens and closes editions and publishes the observatory;
- a collectivité's admin starts its diagnosis, assigns themes, designates a
  reviewer, submits and reopens;
- the admin, the reviewer and the person a theme is assigned to answer it;
- everyone else of the collectivité (elected officials included) reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from change_portal.accounts.models import User
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity.models import (
    LEVELS,
    Answer,
    Assignment,
    Diagnosis,
    DiagnosisHistory,
    DiagnosisStatus,
    Edition,
    EditionStatus,
    HistoryKind,
    Referential,
    Statement,
    Theme,
    ThemeObjective,
)
from change_portal.organisations.models import Organisation
from change_portal.organisations.strata import stratum_of

COMMENT_MAX = 5_000


# --- editions (platform operator) -----------------------------------------------------------


def open_edition(actor: User, *, slug: str, title: str, referential: Referential,
                 opens_on: date, closes_on: date) -> Edition:
    """Open a new edition; only one edition is open at a time."""
    if not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme ouvre une édition."))
    if closes_on < opens_on:
        raise DomainError(_("La date de clôture doit suivre la date d'ouverture."),
                          field="closes_on")
    if db.session.scalar(select(Edition.id).where(Edition.slug == slug)) is not None:
        raise DomainError(_("Une édition porte déjà cet identifiant."), field="slug")
    if db.session.scalar(select(Edition.id).where(
            Edition.status == EditionStatus.OPEN)) is not None:
        raise DomainError(_("Une édition est déjà ouverte : clôturez-la d'abord."))
    edition = Edition(slug=slug, title=title, referential_id=referential.id,
                      opens_on=opens_on, closes_on=closes_on, status=EditionStatus.OPEN)
    db.session.add(edition)
    db.session.flush()
    return edition


def close_edition(actor: User, edition: Edition) -> None:
    """Close an edition: diagnoses are frozen as they are (those not submitted
    are not counted)."""
    if not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme clôture une édition."))
    if not edition.is_open:
        raise DomainError(_("Cette édition est déjà close."))
    edition.status = EditionStatus.CLOSED
    edition.closed_at = utcnow()
    db.session.flush()


def publish_observatory(actor: User, edition: Edition, published: bool) -> None:
    """Publish (or withdraw) the observatory of a closed edition."""
    if not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme publie l'observatoire."))
    if published and edition.is_open:
        raise DomainError(_("L'observatoire n'est publié qu'une fois l'édition close."))
    edition.published_at = utcnow() if published else None
    db.session.flush()


def open_edition_now() -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.status == EditionStatus.OPEN)
                             .order_by(Edition.id.desc()).limit(1))


# --- the diagnosis (collectivité) ------------------------------------------------------------


def _history(diagnosis: Diagnosis, actor: User | None, kind: str, *, statement_id=None,
             from_value=None, to_value=None) -> None:
    db.session.add(DiagnosisHistory(
        organisation_id=diagnosis.organisation_id, diagnosis_id=diagnosis.id,
        actor_id=actor.id if actor else None, kind=kind, statement_id=statement_id,
        from_value=None if from_value is None else str(from_value)[:200],
        to_value=None if to_value is None else str(to_value)[:200]))


def _require_admin(actor: User, diagnosis_org_id: int) -> None:
    if actor.organisation_id != diagnosis_org_id or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Seul un administrateur de la collectivité peut faire cela."))


def start_diagnosis(actor: User, edition: Edition) -> Diagnosis:
    """Start the diagnosis of the actor's collectivité for an open edition
    (idempotent: the existing one is returned)."""
    _require_admin(actor, actor.organisation_id)
    if not edition.is_open:
        raise DomainError(_("Cette édition est close."))
    existing = db.session.scalar(select(Diagnosis).where(
        of_tenant(Diagnosis, actor.organisation_id),
        Diagnosis.edition_id == edition.id))
    if existing is not None:
        return existing
    diagnosis = Diagnosis(organisation_id=actor.organisation_id, edition_id=edition.id,
                          status=DiagnosisStatus.IN_PROGRESS, started_by_id=actor.id)
    db.session.add(diagnosis)
    db.session.flush()
    _history(diagnosis, actor, HistoryKind.START)
    db.session.flush()
    return diagnosis


def _member(organisation_id: int, user_id: int | None) -> User | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if (user is None or user.organisation_id != organisation_id or not user.active
            or user.erased_at is not None):
        raise DomainError(_("Choisissez une personne active de votre collectivité."),
                          field="user_id")
    return user


def _require_open(diagnosis: Diagnosis) -> None:
    if not diagnosis.edition.is_open:
        raise DomainError(_("L'édition est close : le diagnostic ne change plus."))
    if diagnosis.is_submitted:
        raise DomainError(_("Le diagnostic est soumis : rouvrez-le pour le modifier."))


def assign_theme(actor: User, diagnosis: Diagnosis, theme: Theme,
                 user_id: int | None) -> Assignment | None:
    """Entrust a theme to an active member of the collectivité (None removes the
    assignment). Returns the assignment to notify, or None."""
    _require_admin(actor, diagnosis.organisation_id)
    _require_open(diagnosis)
    if theme.referential_id != diagnosis.edition.referential_id:
        raise DomainError(_("Ce thème n'appartient pas à ce diagnostic."))
    user = _member(diagnosis.organisation_id, user_id)
    assignment = db.session.scalar(select(Assignment).where(
        Assignment.diagnosis_id == diagnosis.id, Assignment.theme_id == theme.id))
    previous = assignment.user.full_name if assignment and assignment.user else None
    if user is None:
        if assignment is not None:
            db.session.delete(assignment)
            _history(diagnosis, actor, HistoryKind.ASSIGN, from_value=previous,
                     to_value=theme.title)
        db.session.flush()
        return None
    if assignment is not None and assignment.user_id == user.id:
        return None
    if assignment is None:
        assignment = Assignment(organisation_id=diagnosis.organisation_id,
                                diagnosis_id=diagnosis.id, theme_id=theme.id)
        db.session.add(assignment)
    assignment.user_id, assignment.assigned_by_id = user.id, actor.id
    assignment.assigned_at, assignment.notified_at = utcnow(), None
    _history(diagnosis, actor, HistoryKind.ASSIGN, from_value=previous,
             to_value=f"{theme.title} → {user.full_name}")
    db.session.flush()
    return assignment


def set_reviewer(actor: User, diagnosis: Diagnosis, user_id: int | None) -> None:
    """Designate the person who may review and submit besides the admins."""
    _require_admin(actor, diagnosis.organisation_id)
    diagnosis.reviewer_id = _member(diagnosis.organisation_id, user_id).id if user_id else None
    db.session.flush()


def can_submit(user: User, diagnosis: Diagnosis) -> bool:
    if user.organisation_id != diagnosis.organisation_id:
        return False
    return user.has_role(Role.ADMIN) or (diagnosis.reviewer_id == user.id and user.is_active)


def can_answer(user: User, diagnosis: Diagnosis, theme_id: int,
               assigned_user_id: int | None) -> bool:
    """Admins and the reviewer answer every theme; a member answers the themes
    assigned to them; elected officials and the others read only."""
    if user.organisation_id != diagnosis.organisation_id or not user.is_active:
        return False
    return can_submit(user, diagnosis) or assigned_user_id == user.id


@dataclass
class AnswerInput:
    statement_id: int
    level: int | None
    comment: str
    #: the answer's edit_version when the form was opened (0: there was none)
    opened_version: int


def save_theme(actor: User, diagnosis: Diagnosis, theme: Theme,
               inputs: list[AnswerInput]) -> list[int]:
    """Save the answers of one theme; other themes are never touched.

    Optimistic locking per statement: when someone saved a statement after this
    form was opened and the values differ, that statement is not saved and its
    id is returned (the view tells the person and keeps what they typed).
    """
    assigned = db.session.scalar(select(Assignment.user_id).where(
        Assignment.diagnosis_id == diagnosis.id, Assignment.theme_id == theme.id))
    if not can_answer(actor, diagnosis, theme.id, assigned):
        raise NotAllowed(_("Vous ne pouvez pas répondre à ce thème."))
    _require_open(diagnosis)
    statements = {s.id for s in theme.statements}
    existing = {a.statement_id: a for a in db.session.scalars(select(Answer).where(
        Answer.diagnosis_id == diagnosis.id, Answer.statement_id.in_(statements)))}
    conflicts = []
    for item in inputs:
        if item.statement_id not in statements:
            raise DomainError(_("Cette affirmation n'appartient pas à ce thème."))
        if item.level is not None and item.level not in LEVELS:
            raise DomainError(_("Choisissez un niveau de 0 à 5."))
        comment = (item.comment or "").strip()
        if len(comment) > COMMENT_MAX:
            raise DomainError(_("Un commentaire compte 5 000 caractères au plus."))
        answer = existing.get(item.statement_id)
        current_version = answer.edit_version if answer else 0
        unchanged = (answer.level if answer else None) == item.level and (
            answer.comment if answer else "") == comment
        if unchanged:
            continue
        if current_version != item.opened_version:
            conflicts.append(item.statement_id)
            continue
        if answer is None:
            answer = Answer(organisation_id=diagnosis.organisation_id,
                            diagnosis_id=diagnosis.id, statement_id=item.statement_id,
                            edit_version=0)
            db.session.add(answer)
        before = answer.level
        answer.level, answer.comment = item.level, comment
        answer.comment_html = render_markdown(comment)
        answer.edit_version = current_version + 1
        answer.updated_by_id, answer.updated_at = actor.id, utcnow()
        _history(diagnosis, actor, HistoryKind.ANSWER, statement_id=item.statement_id,
                 from_value=before, to_value=item.level)
    db.session.flush()
    return conflicts


def compute_levels(diagnosis: Diagnosis) -> tuple[dict[str, float | None], float | None]:
    """Theme levels and overall level of a diagnosis from its answers."""
    rows = db.session.execute(
        select(Theme.slug, Answer.level)
        .select_from(Theme)
        .join(Statement, Statement.theme_id == Theme.id)
        .outerjoin(Answer, (Answer.statement_id == Statement.id)
                   & (Answer.diagnosis_id == diagnosis.id))
        .where(Theme.referential_id == diagnosis.edition.referential_id)
        .order_by(Theme.position, Statement.position)).all()
    by_theme: dict[str, list[int | None]] = {}
    for slug, level in rows:
        by_theme.setdefault(slug, []).append(level)
    themes = rules.theme_levels(by_theme)
    return themes, rules.overall_level(themes.values())


def submit(actor: User, diagnosis: Diagnosis, organisation: Organisation) -> None:
    """Freeze the diagnosis: levels computed, stratum recorded. The caller
    enqueues jobs.refresh_distributions after committing."""
    if not can_submit(actor, diagnosis):
        raise NotAllowed(_("Seul un administrateur ou la personne désignée soumet le "
                           "diagnostic."))
    _require_open(diagnosis)
    themes, overall = compute_levels(diagnosis)
    if overall is None:
        raise DomainError(_("Répondez au moins à une affirmation avant de soumettre."))
    stratum = stratum_of(organisation.kind, organisation.population)
    diagnosis.theme_levels, diagnosis.overall_level = themes, overall
    diagnosis.stratum_kind, diagnosis.stratum_band = stratum.kind, stratum.band
    diagnosis.status = DiagnosisStatus.SUBMITTED
    diagnosis.submitted_at, diagnosis.submitted_by_id = utcnow(), actor.id
    _history(diagnosis, actor, HistoryKind.SUBMIT, to_value=overall)
    db.session.flush()


def reopen(actor: User, diagnosis: Diagnosis) -> None:
    """Reopen a submitted diagnosis while its edition is open (admins only);
    it leaves the distributions until submitted again."""
    _require_admin(actor, diagnosis.organisation_id)
    if not diagnosis.edition.is_open:
        raise DomainError(_("L'édition est close : le diagnostic ne peut plus être rouvert."))
    if not diagnosis.is_submitted:
        raise DomainError(_("Le diagnostic n'est pas soumis."))
    diagnosis.status = DiagnosisStatus.IN_PROGRESS
    _history(diagnosis, actor, HistoryKind.REOPEN, from_value=diagnosis.overall_level)
    db.session.flush()


# --- from diagnosis to action -----------------------------------------------------------------


def link_objective(actor: User, theme_slug: str, objective_id: int, *, linked: bool) -> None:
    """Link (or unlink) a roadmap objective of the actor's collectivité to a theme."""
    from change_portal.roadmap.models import Objective

    _require_admin(actor, actor.organisation_id)
    objective = db.session.get(Objective, objective_id)
    if objective is None or objective.organisation_id != actor.organisation_id:
        raise DomainError(_("Choisissez un objectif de votre feuille de route."),
                          field="objective_id")
    row = db.session.scalar(select(ThemeObjective).where(
        of_tenant(ThemeObjective, actor.organisation_id),
        ThemeObjective.theme_slug == theme_slug, ThemeObjective.objective_id == objective_id))
    if linked and row is None:
        db.session.add(ThemeObjective(organisation_id=actor.organisation_id,
                                      theme_slug=theme_slug, objective_id=objective_id))
    elif not linked and row is not None:
        db.session.delete(row)
    db.session.flush()


def objective_from_theme(actor: User, theme: Theme, axis_id: int,
                         level: float | None) -> int:
    """Create a roadmap objective pre-filled from a theme (title and description),
    in an axis of the actor's roadmap, and link it to the theme; return its id."""
    from change_portal.roadmap import services as roadmap
    from change_portal.roadmap.models import Axis

    _require_admin(actor, actor.organisation_id)
    axis = db.session.get(Axis, axis_id)
    if axis is None or axis.organisation_id != actor.organisation_id:
        raise DomainError(_("Choisissez un axe de votre feuille de route."), field="axis_id")
    target = min(5, int(level or 0) + 1)
    objective = roadmap.save_objective(
        actor, axis, title=_("%(t)s : atteindre le niveau %(n)d", t=theme.title, n=target)[:200],
        description=_("Objectif issu du diagnostic de maturité numérique.") + "\n\n"
        + theme.description)
    link_objective(actor, theme.slug, objective.id, linked=True)
    return objective.id
