"""Retention: the audit history (and what domains register, such as old
notifications) is purged past a configurable age by a daily job."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import delete

from change_portal.core.audit import AuditEvent
from change_portal.core.idempotency import FormSubmission
from change_portal.core.jobs import job_timeout, periodic, register_periodic
from change_portal.core.mail import SentMail
from change_portal.core.models import utcnow
from change_portal.core.registry import call_hook
from change_portal.extensions import db

SENT_MAIL_DAYS = 30


def purge_older_than(days: int, *, now=None) -> int:
    """Delete audit events older than `days` and let domains purge theirs
    (hook "retention.purge", receivers take `cutoff` and return a count)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    count = db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount or 0
    # Message keys only guard retries (minutes): a month is plenty.
    count += db.session.execute(delete(SentMail).where(
        SentMail.sent_at < now - timedelta(days=SENT_MAIL_DAYS))).rowcount or 0
    count += db.session.execute(delete(FormSubmission).where(
        FormSubmission.created_at < now - timedelta(days=1))).rowcount or 0
    return count + sum(call_hook("retention.purge", cutoff=cutoff))


@periodic(timedelta(days=1))
@job_timeout(900)
def purge_expired_records() -> int:
    return purge_older_than(current_app.config["RETENTION_DAYS"])


def init_app(app: Flask) -> None:  # noqa: ARG001 - the same signature as every init_app
    """Schedule the daily purge."""
    register_periodic(purge_expired_records)
