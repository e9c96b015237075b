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


def mail_then_wait(address: str, key: str, seconds: float) -> None:
    """Send one e-mail, then work a while (a worker killed now has sent it)."""
    from change_portal.core.mail import build_message, send_message

    if send_message(build_message(address, "Essai", "Un seul envoi."), key=key):
        time.sleep(seconds)  # only after a delivery: a retry that skips it ends at once


def mail(address: str, key: str) -> None:
    from change_portal.core.mail import build_message, send_message

    send_message(build_message(address, "Essai", "Un seul envoi."), key=key)
