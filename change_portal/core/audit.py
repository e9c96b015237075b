"""The history of who did what, when. Never stores a password or a token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core.models import UTCDateTime, utcnow
from change_portal.extensions import db

# Keys that must never reach the audit table, whatever a caller passes.
_FORBIDDEN_KEYS = {"password", "token", "secret", "password_hash", "nonce"}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_org_at", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    target_id: Mapped[int | None] = mapped_column(nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


def record(
    action: str,
    *,
    actor=None,
    organisation_id: int | None = None,
    target=None,
    ip: str | None = None,
    **details,
) -> AuditEvent:
    """Append one event to the history (flushed with the caller's transaction).

    `target` is any model instance with an `id`; its class name is stored.
    """
    clean = {k: v for k, v in details.items() if k.lower() not in _FORBIDDEN_KEYS}
    if organisation_id is None and actor is not None:
        organisation_id = getattr(actor, "organisation_id", None)
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        organisation_id=organisation_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        ip=ip,
        details=clean,
    )
    db.session.add(event)
    return event
