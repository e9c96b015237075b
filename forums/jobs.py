"""Background jobs of the forums: immediate notification emails and the daily
digest. Jobs take ids, are idempotent and never commit (run_job does)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from change_portal.core.jobs import QueueUnavailable, enqueue, periodic
from change_portal.extensions import db
from forums import notify
from forums.models import Notification


def send_notification_email(notification_id: int) -> None:
    """Email one notification to a person who chose immediate emails (once)."""
    notification = db.session.get(Notification, notification_id)
    if notification is not None:
        notify.email_one(notification)


@periodic(timedelta(hours=1))
def send_daily_digests() -> None:
    """Every hour; each person gets at most one digest a day, at or after 7:00 Paris."""
    notify.send_digests()


def send_pending_emails() -> None:
    """Enqueue the immediate emails recorded in the transaction just committed."""
    ids = db.session.info.pop(notify.PENDING_KEY, [])
    for nid in ids:
        try:
            enqueue(send_notification_email, nid, job_id=f"forum-notif-{nid}")
        except QueueUnavailable:
            current_app.logger.warning("forum notification %s: queue unavailable", nid)
