"""Background jobs of the forums: immediate notification emails and the daily
digest. Jobs take ids, are idempotent and never commit (run_job does)."""

from __future__ import annotations

from datetime import datetime, timedelta

from change_portal.core.jobs import (
    EMAIL_TIMEOUT,
    enqueue,
    job_timeout,
    periodic,
)
from change_portal.core.models import utcnow
from change_portal.extensions import db
from forums import notify
from forums.models import Notification


@job_timeout(EMAIL_TIMEOUT)
def send_notification_email(notification_id: int) -> None:
    """Email one notification to a person who chose immediate emails (once)."""
    notification = db.session.get(Notification, notification_id)
    if notification is not None:
        notify.email_one(notification)


DIGEST_BATCH = 500  # recipients per job: a retry never covers more than this


@periodic(timedelta(hours=1))
def send_daily_digests() -> int:
    """Every hour; each person gets at most one digest a day, at or after 7:00 Paris.
    Queues one job per batch of DIGEST_BATCH recipients; returns the number of jobs."""
    now = utcnow()
    due = notify.due_digest_users(now)
    batches = [due[i:i + DIGEST_BATCH] for i in range(0, len(due), DIGEST_BATCH)]
    for batch in batches:
        enqueue(send_digest_batch, batch, now.isoformat())
    return len(batches)


@job_timeout(600)
def send_digest_batch(user_ids: list[int], now_iso: str) -> int:
    """Send the digests of one batch of recipients (see notify.send_digest_batch)."""
    return notify.send_digest_batch(user_ids, datetime.fromisoformat(now_iso))

