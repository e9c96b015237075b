"""Job functions for the fault tests (imported by the real rq worker)."""

from __future__ import annotations

import time

from sqlalchemy import select

from change_portal.core.audit import AuditEvent
from change_portal.extensions import db


def slow_effect(marker: str, seconds: float) -> None:
    """Sleep, then record one effect — once, whatever the retries (idempotency key)."""
    time.sleep(seconds)
    done = db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.action == "reliability_effect",
                                    AuditEvent.target_type == marker)
    ).first()
    if done is None:
        db.session.add(AuditEvent(action="reliability_effect", target_type=marker))
