"""Journées de partage: the association's events. The platform operator creates
them and accepts the fiches collectivités propose; members say they attend."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from change_portal.core import clock
from change_portal.core.audit import record
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.sharing import services
from change_portal.sharing.models import (
    EventAttendance,
    EventProposal,
    Fiche,
    SharingEvent,
)


def _require_operator(actor) -> None:
    if not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme organise les journées."))


def save_event(actor, *, title: str, held_on: date | None, place: str = "",
               online_url: str = "", programme: str = "",
               event: SharingEvent | None = None) -> SharingEvent:
    """Create or update a journée de partage (programme in Markdown)."""
    _require_operator(actor)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Indiquez un titre (200 caractères au plus)."), field="title")
    if held_on is None:
        raise DomainError(_("Indiquez la date."), field="held_on")
    online_url = (online_url or "").strip()
    if online_url:
        parsed = urlparse(online_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise DomainError(_("Indiquez une adresse web complète, commençant par https://."),
                              field="online_url")
    programme = (programme or "").strip()
    if len(programme) > 20_000:
        raise DomainError(_("Ce texte est trop long : 20 000 caractères au plus."),
                          field="programme")
    if event is None:
        event = SharingEvent(created_by_id=actor.id)
        db.session.add(event)
    event.title, event.held_on = title, held_on
    event.place, event.online_url = (place or "").strip()[:200], online_url
    event.programme, event.programme_html = programme, render_markdown(programme)
    db.session.flush()
    record("sharing.event_saved", actor=actor, target=event)
    return event


def propose(actor, event: SharingEvent, fiche: Fiche, today: date | None = None) -> EventProposal:
    """A collectivité proposes one of its published fiches for an upcoming event."""
    if actor.organisation_id != fiche.organisation_id or not services.can_author(actor):
        raise NotAllowed(_("Vous proposez une fiche de votre collectivité."))
    if not fiche.published:
        raise DomainError(_("Seule une fiche publiée peut être présentée."), field="fiche_id")
    if event.held_on < (today or clock.today()):
        raise DomainError(_("Cette journée est passée."))
    existing = db.session.scalar(select(EventProposal).where(
        EventProposal.event_id == event.id, EventProposal.fiche_id == fiche.id))
    if existing is not None:
        return existing
    row = EventProposal(event_id=event.id, fiche_id=fiche.id, proposed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row


def accept(actor, proposal: EventProposal, accepted: bool = True) -> None:
    _require_operator(actor)
    proposal.accepted = accepted
    db.session.flush()


def toggle_attendance(actor, event: SharingEvent) -> bool:
    """Say one attends (or not any more); True when now attending."""
    row = db.session.scalar(select(EventAttendance).where(
        EventAttendance.event_id == event.id, EventAttendance.user_id == actor.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        return False
    db.session.add(EventAttendance(event_id=event.id, user_id=actor.id))
    db.session.flush()
    return True


# --- reading ------------------------------------------------------------------------

def events_list() -> list[tuple[SharingEvent, int]]:
    """Every event with its attendance count, most recent first (one query)."""
    counts = (select(EventAttendance.event_id, func.count(EventAttendance.id).label("n"))
              .group_by(EventAttendance.event_id).subquery())
    return [(e, n or 0) for e, n in db.session.execute(
        select(SharingEvent, counts.c.n).outerjoin(counts, counts.c.event_id == SharingEvent.id)
        .order_by(SharingEvent.held_on.desc(), SharingEvent.id.desc())).all()]


def event_detail(event: SharingEvent, user) -> dict:
    """Presentations (published fiches only), pending proposals for the operator,
    the attendance count and whether `user` attends."""
    proposals = db.session.scalars(
        select(EventProposal).join(Fiche, Fiche.id == EventProposal.fiche_id)
        .where(EventProposal.event_id == event.id, Fiche.published.is_(True))
        .options(joinedload(EventProposal.fiche)).order_by(EventProposal.id)).all()
    attendance = db.session.scalar(select(func.count(EventAttendance.id)).where(
        EventAttendance.event_id == event.id)) or 0
    attending = db.session.scalar(select(EventAttendance.id).where(
        EventAttendance.event_id == event.id, EventAttendance.user_id == user.id)) is not None
    own = [] if user.organisation_id is None else db.session.scalars(
        select(Fiche).where(of_tenant(Fiche, user.organisation_id),
                            Fiche.published.is_(True)).order_by(Fiche.pub_title)).all()
    return {
        "presentations": [p for p in proposals if p.accepted],
        "pending": [p for p in proposals if not p.accepted],
        "attendance": attendance, "attending": attending, "own_fiches": own,
    }
