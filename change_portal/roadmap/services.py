"""Every write of the roadmap domain. Functions take the acting user, flush,
never commit, and raise DomainError with a message for people."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from change_portal.core import clock
from change_portal.core.audit import record
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.core.text import checked_title
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.roadmap.models import (
    Axis,
    DashboardVisit,
    Indicator,
    IndicatorValue,
    Objective,
    ObjectiveHistory,
    ObjectiveStatus,
    ReportJob,
    ReportStatus,
    Roadmap,
)

TITLE_MAX = 200


class ConcurrentEdit(DomainError):
    """Someone saved the same objective since this form was opened."""


def _require_admin(actor) -> None:
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Seuls les administrateurs modifient la feuille de route."))


def save_roadmap(actor, organisation_id: int, *, title: str, start_year: int,
                 end_year: int) -> Roadmap:
    """Create or update the roadmap of the collectivité (one per collectivité)."""
    _require_admin(actor)
    title = checked_title(title, TITLE_MAX)
    if not (2000 <= start_year <= 2100 and 2000 <= end_year <= 2100):
        raise DomainError(_("Indiquez des années entre 2000 et 2100."), field="start_year")
    if end_year < start_year:
        raise DomainError(_("L'année de fin doit être égale ou postérieure à l'année de début."),
                          field="end_year")
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.organisation_id == organisation_id))
    if roadmap is None:
        roadmap = Roadmap(organisation_id=organisation_id)
        db.session.add(roadmap)
    roadmap.title, roadmap.start_year, roadmap.end_year = title, start_year, end_year
    db.session.flush()
    record("roadmap.saved", actor=actor, target=roadmap)
    return roadmap


def set_published(actor, organisation: Organisation, published: bool) -> None:
    """Publish (open data) or unpublish the roadmap of the collectivité."""
    _require_admin(actor)
    organisation.roadmap_published = bool(published)
    db.session.flush()
    record("roadmap.published" if published else "roadmap.unpublished", actor=actor,
           target=organisation)


def save_axis(actor, roadmap: Roadmap, *, title: str, position: int = 0,
              axis: Axis | None = None) -> Axis:
    _require_admin(actor)
    if axis is None:
        axis = Axis(organisation_id=roadmap.organisation_id, roadmap_id=roadmap.id)
        db.session.add(axis)
    axis.title = checked_title(title, TITLE_MAX)
    axis.position = max(0, min(int(position or 0), 999))
    db.session.flush()
    return axis


def _history(actor, objective: Objective, kind: str, old, new, label: str = "") -> None:
    db.session.add(ObjectiveHistory(
        organisation_id=objective.organisation_id, objective_id=objective.id,
        actor_id=getattr(actor, "id", None), at=utcnow(), kind=kind, label=label[:200],
        from_value=None if old is None else str(old)[:60], to_value=str(new)[:60],
    ))


def _check_progress(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Indiquez un avancement entre 0 et 100 %."),
                          field="manual_progress") from None
    if not 0 <= value <= 100:
        raise DomainError(_("L'avancement doit être compris entre 0 et 100 %."),
                          field="manual_progress")
    return value


def save_objective(actor, axis: Axis, *, title: str, description: str = "",
                   owner=None, target_date: date | None = None,
                   status: str = ObjectiveStatus.NOT_STARTED, weight: int = 1,
                   manual_progress: int = 0, objective: Objective | None = None,
                   expected_version: int | None = None) -> Objective:
    """Create or update an objective. Status and progress changes go to its history.

    `expected_version` is the version the form was opened with: when someone else
    saved in between, ConcurrentEdit is raised and nothing is written.
    """
    _require_admin(actor)
    title = checked_title(title, TITLE_MAX)
    if status not in {s.value for s in ObjectiveStatus}:
        raise DomainError(_("Choisissez un statut dans la liste."), field="status")
    manual_progress = _check_progress(manual_progress)
    try:
        weight = int(weight)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 100:
        raise DomainError(_("Le poids doit être un nombre entier entre 1 et 100."),
                          field="weight")
    if owner is not None and owner.organisation_id != axis.organisation_id:
        raise DomainError(_("Choisissez un responsable de la collectivité."), field="owner_id")
    if description and len(description) > 20_000:
        raise DomainError(_("La description est trop longue : 20 000 caractères au plus."),
                          field="description")
    new = objective is None
    if new:
        objective = Objective(organisation_id=axis.organisation_id, axis_id=axis.id,
                              status=ObjectiveStatus.NOT_STARTED, manual_progress=0, weight=1)
        db.session.add(objective)
    elif expected_version is not None and expected_version != objective.version:
        raise ConcurrentEdit(_(
            "Quelqu'un a enregistré cet objectif pendant que vous le modifiiez. Vos "
            "modifications n'ont pas été enregistrées : rechargez la page pour voir la "
            "version actuelle, puis refaites vos changements."))
    old_status, old_progress = objective.status, objective.manual_progress
    objective.axis_id = axis.id
    objective.title = title
    objective.description = description or ""
    objective.description_html = render_markdown(description or "")
    objective.owner_id = owner.id if owner else None
    objective.target_date = target_date
    objective.status = status
    objective.weight = weight
    objective.manual_progress = manual_progress
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit(_(
            "Quelqu'un a enregistré cet objectif pendant que vous le modifiiez. Vos "
            "modifications n'ont pas été enregistrées : rechargez la page.")) from None
    if new or old_status != status:
        _history(actor, objective, "status", None if new else old_status, status)
    if (new and manual_progress) or (not new and old_progress != manual_progress):
        _history(actor, objective, "progress", None if new else old_progress, manual_progress)
    db.session.flush()
    return objective


def _number(value, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(_("Indiquez un nombre."), field=field) from None
    if number != number or abs(number) > 1e12:  # NaN or absurd
        raise DomainError(_("Indiquez un nombre valide."), field=field)
    return number


def save_indicator(actor, objective: Objective, *, name: str, unit: str = "",
                   baseline, target, indicator: Indicator | None = None) -> Indicator:
    """Create or update an indicator; its target must differ from its baseline."""
    _require_admin(actor)
    name = checked_title(name, TITLE_MAX, field="name")
    unit = (unit or "").strip()
    if len(unit) > 40:
        raise DomainError(_("L'unité est trop longue : 40 caractères au plus."), field="unit")
    baseline, target = _number(baseline, "baseline"), _number(target, "target")
    if baseline == target:
        raise DomainError(_("La cible doit être différente de la valeur de départ, sinon "
                            "l'avancement ne peut pas être calculé."), field="target")
    if indicator is None:
        indicator = Indicator(organisation_id=objective.organisation_id,
                              objective_id=objective.id)
        db.session.add(indicator)
    indicator.name, indicator.unit = name, unit
    indicator.baseline, indicator.target = baseline, target
    db.session.flush()
    return indicator


def add_indicator_value(actor, indicator: Indicator, *, value, measured_on: date) -> IndicatorValue:
    """Record a dated value of an indicator (kept in the objective's history)."""
    _require_admin(actor)
    value = _number(value, "value")
    if measured_on is None:
        raise DomainError(_("Indiquez la date de la mesure."), field="measured_on")
    if measured_on > clock.today().replace(year=clock.today().year + 1):
        raise DomainError(_("Cette date est trop loin dans le futur."), field="measured_on")
    row = IndicatorValue(organisation_id=indicator.organisation_id, indicator_id=indicator.id,
                         value=value, measured_on=measured_on, recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    objective = db.session.get(Objective, indicator.objective_id)
    _history(actor, objective, "indicator", None, _fmt(value), label=indicator.name)
    db.session.flush()
    return row


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# A dashboard visit is written at most this often: a GET that reloads the page
# writes nothing (no commit, so nothing loaded for the request is expired).
VISIT_TOUCH_SECONDS = 60


def mark_dashboard_visit(user, now=None) -> tuple[object | None, bool]:
    """Remember that `user` opened the dashboard now, at most once a minute.

    Returns (previous visit time, whether a write is pending: the caller commits then).
    """
    now = now or utcnow()
    visit = db.session.get(DashboardVisit, user.id)
    previous = visit.last_seen_at if visit else None
    if previous is not None and (now - previous).total_seconds() < VISIT_TOUCH_SECONDS:
        return previous, False
    if visit is None:
        db.session.add(DashboardVisit(user_id=user.id, last_seen_at=now))
    else:
        visit.last_seen_at = now
    db.session.flush()
    return previous, True


# --- council reports and exports ---------------------------------------------

def request_report(actor, organisation_id: int, *, kind: str, period_start: date | None = None,
                   period_end: date | None = None):
    """Record a report request (the job that builds it is queued by the view)."""
    if kind not in ("pdf", "csv"):
        raise DomainError(_("Choisissez un document dans la liste."), field="kind")
    if period_start and period_end and period_end < period_start:
        raise DomainError(_("La fin de la période doit être égale ou postérieure à son "
                            "début."), field="period_end")
    job = ReportJob(organisation_id=organisation_id, kind=kind, requested_by_id=actor.id,
                    period_start=period_start, period_end=period_end)
    db.session.add(job)
    db.session.flush()
    return job


def retry_report(actor, job) -> None:
    """Put a failed report back in the queue (the file is built again); a stuck
    one too (see ReportJob.is_stuck), by the person who asked for it."""
    stuck_own = job.is_stuck and job.requested_by_id == actor.id
    if job.status != ReportStatus.FAILED and not stuck_own:
        raise DomainError(_("Seul un document en échec ou bloqué peut être relancé, "
                            "par la personne qui l'a demandé s'il est bloqué."))
    job.status = ReportStatus.QUEUED
    job.error = None
    job.updated_at = utcnow()  # the wait starts again
    db.session.flush()


def mark_report_unqueued(job, message: str) -> None:
    job.status = ReportStatus.FAILED
    job.error = message
    db.session.flush()


def update_progress(actor, objective: Objective, manual_progress,
                    expected_version: int | None = None) -> Objective:
    """The owner of an objective (or an admin) enters its progress (0–100 %);
    the change goes to the history. Used when the objective has no indicator."""
    if not (actor.has_role(Role.ADMIN) or objective.owner_id == actor.id):
        raise NotAllowed(_("Seul le responsable de l'objectif ou un administrateur peut "
                           "saisir son avancement."))
    value = _check_progress(manual_progress)
    if expected_version is not None and expected_version != objective.version:
        raise ConcurrentEdit(_(
            "Quelqu'un a modifié cet objectif entre-temps : rechargez la page, puis saisissez "
            "à nouveau l'avancement."), field="manual_progress")
    old = objective.manual_progress
    if old == value:
        return objective
    objective.manual_progress = value
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit(_("Quelqu'un a modifié cet objectif au même moment : rechargez "
                               "la page."), field="manual_progress") from None
    _history(actor, objective, "progress", old, value)
    db.session.flush()
    return objective
