"""Business rules of the fiches retours d'expérience: making one from a project,
editing, the validation workflow, publication and its history.

Nothing of a project leaves its collectivité except what a validated fiche's
snapshot holds: the snapshot is built here from the working copy, and the other
collectivités' pages only ever read `Fiche.published_content`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

from flask_babel import gettext as _
from sqlalchemy import delete, select

from change_portal.core import uploads
from change_portal.core.audit import record
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.core.registry import call_hook
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.strata import population_band
from change_portal.projects import queries as project_queries
from change_portal.roadmap import queries as roadmap_queries
from change_portal.sharing import search
from change_portal.sharing.models import (
    Fiche,
    FicheAttachment,
    FicheInterest,
    FicheRevision,
    FicheStatus,
)
from change_portal.sharing.themes import theme_titles

TITLE_MAX = 200
TEXT_MAX = 20_000
SHORT_MAX = 120
LINKS_MAX = 20


def can_author(user) -> bool:
    """Project leads and admins write fiches for their collectivité."""
    return user.has_role(Role.PROJECT_LEAD) or user.has_role(Role.ADMIN)


def can_validate(user, fiche: Fiche) -> bool:
    """The collectivité's admin, or a project lead other than the one who submitted
    (as answers to users are validated by someone else)."""
    if user.organisation_id != fiche.organisation_id:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.PROJECT_LEAD) and fiche.submitted_by_id not in (None, user.id)


def can_unpublish(user, fiche: Fiche) -> bool:
    return user.organisation_id == fiche.organisation_id and user.has_role(Role.ADMIN)


def _require_author(actor, organisation_id: int) -> None:
    if actor.organisation_id != organisation_id or not can_author(actor):
        raise NotAllowed(_("Seuls les chefs de projet et les administrateurs de la "
                           "collectivité rédigent ses fiches."))


# --- what is copied from the project -------------------------------------------------

def project_results(project) -> list[dict]:
    """Indicators of the project's roadmap objectives: baseline → latest value, with
    their unit and the date of the latest measure, as the roadmap holds them."""
    ids = [o.id for o in project.objectives]
    if not ids:
        return []
    rows = []
    for ind, value, measured_on in roadmap_queries.latest_values(project.organisation_id, ids):
        rows.append({"indicator_id": ind.id, "name": ind.name, "unit": ind.unit,
                     "baseline": ind.baseline, "target": ind.target, "latest": value,
                     "latest_on": measured_on.isoformat() if measured_on else None})
    return rows


def draft_from_project(actor, project) -> Fiche:
    """A new fiche pre-filled from a project: title, summary, the titles of its
    linked needs, results from its objectives' indicators, the agents' involvement
    as figures, and the collectivité's context. Nothing is published."""
    _require_author(actor, project.organisation_id)
    org = actor.organisation
    needs = [t for titles in call_hook("project.need_titles", project=project) for t in titles]
    fiche = Fiche(
        organisation_id=project.organisation_id, project_id=project.id, author_id=actor.id,
        title=project.title[:TITLE_MAX], summary=project.description[:TEXT_MAX],
        needs=needs, results=project_results(project),
        involvement=project_queries.consensus_figures(project.id),
        kind=org.kind, band=population_band(org.population).slug, region=org.region,
        status=FicheStatus.DRAFT,
    )
    db.session.add(fiche)
    db.session.flush()
    record("sharing.fiche_created", actor=actor, target=fiche)
    return fiche


def refresh_from_project(actor, fiche: Fiche, project) -> None:
    """Copy again the figures that come from the project (results, involvement,
    needs' titles), e.g. after new indicator values."""
    _require_author(actor, fiche.organisation_id)
    fiche.results = project_results(project)
    fiche.involvement = project_queries.consensus_figures(project.id)
    fiche.needs = [t for titles in call_hook("project.need_titles", project=project)
                   for t in titles]
    _back_to_draft(fiche)
    db.session.flush()


# --- editing ----------------------------------------------------------------------

def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(_("Ce texte est trop long : %(n)d caractères au plus.", n=limit),
                          field=field)
    return value


def _url(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(value) > 300:
        raise DomainError(_("Indiquez une adresse web complète, commençant par https://."),
                          field=field)
    return value


def parse_links(raw: str | None) -> list[dict]:
    """One link a line: « libellé | https://… » or only the address."""
    links = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        label, _sep, url = line.rpartition("|") if "|" in line else ("", "", line)
        links.append({"label": _text(label, "links", SHORT_MAX) or url.strip(),
                      "url": _url(url, "links")})
    if len(links) > LINKS_MAX:
        raise DomainError(_("%(n)d liens au plus.", n=LINKS_MAX), field="links")
    return links


def _back_to_draft(fiche: Fiche) -> None:
    """Any change sends the working copy back through validation; a published
    snapshot stays visible meanwhile."""
    fiche.status = FicheStatus.DRAFT


def save_fiche(actor, fiche: Fiche, *, title: str, summary: str = "", problem: str = "",
               what_done: str = "", difficulties: str = "", cost: str = "",
               duration: str = "", links: str = "", repo_url: str = "",
               themes: list[str] | None = None, results: list[int] | None = None,
               contact_me: bool = False, contact_role: str = "") -> Fiche:
    """Update the working copy. `results` keeps the chosen indicators (ids) among
    those copied from the roadmap; `contact_me` makes the actor the contact (opt-in:
    nobody else can be named)."""
    _require_author(actor, fiche.organisation_id)
    title = _text(title, "title", TITLE_MAX)
    if not title:
        raise DomainError(_("Indiquez un titre."), field="title")
    known = theme_titles()
    themes = [t for t in (themes or []) if t in known]
    fiche.title = title
    fiche.summary = _text(summary, "summary")
    fiche.problem = _text(problem, "problem")
    fiche.what_done = _text(what_done, "what_done")
    fiche.difficulties = _text(difficulties, "difficulties")
    fiche.difficulties_html = render_markdown(fiche.difficulties)
    fiche.cost = _text(cost, "cost", SHORT_MAX)
    fiche.duration = _text(duration, "duration", SHORT_MAX)
    fiche.links = parse_links(links)
    fiche.repo_url = _url(repo_url, "repo_url")
    fiche.themes = themes
    if results is not None:
        keep = set(results)
        fiche.results = [r for r in fiche.results if r.get("indicator_id") in keep]
    if contact_me:
        fiche.contact_id = actor.id
        fiche.contact_role = _text(contact_role, "contact_role", SHORT_MAX)
    elif fiche.contact_id == actor.id:
        fiche.contact_id, fiche.contact_role = None, ""
    _back_to_draft(fiche)
    db.session.flush()
    return fiche


def content_of(fiche: Fiche) -> dict:
    """The working copy as others would see it: the snapshot validation publishes
    and the preview shows. Figures and titles only; no project id."""
    org = fiche.organisation
    contact = None
    if fiche.contact is not None and fiche.contact.erased_at is None and fiche.contact.active:
        contact = {"user_id": fiche.contact.id, "name": fiche.contact.full_name,
                   "role": fiche.contact_role}
    return {
        "title": fiche.title, "summary": fiche.summary, "problem": fiche.problem,
        "needs": list(fiche.needs or []), "what_done": fiche.what_done,
        "results": list(fiche.results or []), "involvement": dict(fiche.involvement or {}),
        "difficulties_html": fiche.difficulties_html, "cost": fiche.cost,
        "duration": fiche.duration, "links": list(fiche.links or []),
        "repo_url": fiche.repo_url, "themes": list(fiche.themes or []), "contact": contact,
        "organisation": org.name, "kind": fiche.kind, "band": fiche.band,
        "region": fiche.region,
        "attachments": [{"id": a.id, "name": a.name, "content_type": a.content_type,
                         "size": a.size} for a in current_attachments(fiche)],
    }


# --- workflow -----------------------------------------------------------------------

def submit(actor, fiche: Fiche) -> None:
    """Ask for validation of the working copy."""
    _require_author(actor, fiche.organisation_id)
    if fiche.status != FicheStatus.DRAFT:
        raise DomainError(_("Cette fiche n'est pas un brouillon."))
    if not fiche.themes:
        raise DomainError(_("Choisissez au moins un thème avant de soumettre la fiche."),
                          field="themes")
    fiche.status = FicheStatus.SUBMITTED
    fiche.submitted_by_id, fiche.submitted_at = actor.id, utcnow()
    db.session.flush()
    record("sharing.fiche_submitted", actor=actor, target=fiche)


def validate(actor, fiche: Fiche) -> None:
    """Publish the submitted working copy: it becomes the snapshot every other
    collectivité reads; the history keeps each validated version."""
    if not can_validate(actor, fiche):
        raise NotAllowed(_("La fiche est validée par l'administrateur ou par un autre chef "
                           "de projet que celui qui l'a soumise."))
    if fiche.status != FicheStatus.SUBMITTED:
        raise DomainError(_("Cette fiche n'attend pas de validation."))
    content = content_of(fiche)
    now = utcnow()
    fiche.published_content = content
    fiche.published, fiche.status = True, FicheStatus.VALIDATED
    if fiche.published_at is None:
        fiche.published_at = now
    fiche.pub_title = fiche.title
    fiche.pub_themes = "," + ",".join(fiche.themes) + "," if fiche.themes else ""
    fiche.has_repo = bool(fiche.repo_url)
    db.session.add(FicheRevision(organisation_id=fiche.organisation_id, fiche_id=fiche.id,
                                 content=content, submitted_by_id=fiche.submitted_by_id,
                                 validated_by_id=actor.id, at=now, note="publication"))
    db.session.flush()
    search.index_fiche(fiche)
    record("sharing.fiche_published", actor=actor, target=fiche)


def reject(actor, fiche: Fiche) -> None:
    """Send a submitted fiche back to its authors."""
    if not can_validate(actor, fiche):
        raise NotAllowed(_("Vous ne pouvez pas valider cette fiche."))
    if fiche.status == FicheStatus.SUBMITTED:
        fiche.status = FicheStatus.DRAFT
        db.session.flush()


def unpublish(actor, fiche: Fiche) -> None:
    """The admin withdraws the fiche: it disappears from every other collectivité
    at once (catalogue, search, events, maturity). It can be submitted again."""
    if not can_unpublish(actor, fiche):
        raise NotAllowed(_("Seul l'administrateur de la collectivité dépublie une fiche."))
    if not fiche.published:
        return
    fiche.published = False
    if fiche.status == FicheStatus.VALIDATED:
        fiche.status = FicheStatus.DRAFT
    db.session.add(FicheRevision(organisation_id=fiche.organisation_id, fiche_id=fiche.id,
                                 content=fiche.published_content or {},
                                 validated_by_id=actor.id, at=utcnow(), note="depublication"))
    db.session.flush()
    search.unindex_fiche(fiche)
    record("sharing.fiche_unpublished", actor=actor, target=fiche)


def delete_draft(actor, fiche: Fiche) -> None:
    """A fiche never published can be deleted."""
    _require_author(actor, fiche.organisation_id)
    if fiche.published or fiche.published_at is not None:
        raise DomainError(_("Une fiche déjà publiée se dépublie, elle ne se supprime pas."))
    db.session.execute(delete(Fiche).where(Fiche.id == fiche.id))
    db.session.flush()


def revisions(fiche: Fiche) -> list[FicheRevision]:
    return list(db.session.scalars(
        select(FicheRevision).where(FicheRevision.fiche_id == fiche.id)
        .order_by(FicheRevision.at.desc(), FicheRevision.id.desc())))


# --- "ça nous intéresse" ------------------------------------------------------------

def toggle_interest(actor, fiche: Fiche) -> bool:
    """Mark (or unmark) the actor's collectivité as interested in a published fiche
    of another collectivité: one mark per collectivité, whoever clicks. Returns
    True when the collectivité is now interested."""
    if not fiche.published:
        raise NotAllowed(_("Cette fiche n'est pas publiée."))
    if actor.organisation_id is None or actor.organisation_id == fiche.organisation_id:
        raise DomainError(_("C'est une fiche de votre collectivité."))
    existing = db.session.scalar(select(FicheInterest).where(
        FicheInterest.fiche_id == fiche.id,
        of_tenant(FicheInterest, actor.organisation_id)))
    if existing is not None:
        db.session.delete(existing)
        fiche.interest_count = Fiche.interest_count - 1  # in SQL: concurrent clicks
        db.session.flush()
        return False
    db.session.add(FicheInterest(fiche_id=fiche.id, organisation_id=actor.organisation_id,
                                 user_id=actor.id))
    fiche.interest_count = Fiche.interest_count + 1
    db.session.flush()
    return True


# --- attachments ----------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_MAX = 10


def upload_attachment(actor, fiche: Fiche, name: str, data: bytes) -> FicheAttachment:
    """Attach a PDF or an image (PNG, JPEG, GIF, WebP) to the working copy, checked
    by its bytes; it reaches other collectivités only with the next validation."""
    _require_author(actor, fiche.organisation_id)
    if not data:
        raise DomainError(_("Le fichier est vide."), field="file")
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise DomainError(_("Fichier trop volumineux : 5 Mo au plus."), field="file")
    kind = uploads.sniff(data[:16])
    if kind is None:
        raise DomainError(_("Format refusé : envoyez un PDF ou une image PNG, JPEG, GIF ou "
                            "WebP."), field="file")
    if len(current_attachments(fiche)) >= ATTACHMENTS_MAX:
        raise DomainError(_("%(n)d pièces jointes au plus.", n=ATTACHMENTS_MAX), field="file")
    label = (name or "").strip()[:120] or _("Document")
    row = FicheAttachment(organisation_id=fiche.organisation_id, fiche_id=fiche.id,
                          name=label, content_type=uploads.content_type(kind),
                          size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          content=data, uploaded_by_id=actor.id)
    db.session.add(row)
    _back_to_draft(fiche)
    db.session.flush()
    return row


def withdraw_attachment(actor, fiche: Fiche, attachment: FicheAttachment) -> None:
    """Remove an attachment from the working copy (a published snapshot that lists
    it keeps serving it until the next validation)."""
    _require_author(actor, fiche.organisation_id)
    attachment.withdrawn = True
    _back_to_draft(fiche)
    db.session.flush()


def current_attachments(fiche: Fiche) -> list[FicheAttachment]:
    return list(db.session.scalars(
        select(FicheAttachment).where(FicheAttachment.fiche_id == fiche.id,
                                      FicheAttachment.withdrawn.is_(False))
        .order_by(FicheAttachment.id)))
