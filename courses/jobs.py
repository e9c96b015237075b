"""Background jobs of the learning domain: library import, due-date reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from change_portal.core.jobs import job_timeout, periodic
from change_portal.core.models import utcnow
from change_portal.extensions import db
from courses import assignments, importer
from courses.models import SyncRun


@job_timeout(600)
def sync_library(run_id: int) -> bool:
    """Import the shipped library and record the outcome on the SyncRun row.
    Idempotent: a finished run is not run again."""
    run = db.session.get(SyncRun, run_id)
    if run is None or run.finished_at is not None:
        return False
    report = importer.sync(None, None)
    run.ok = report.ok
    run.output = "\n".join(report.lines())[:20000]
    run.finished_at = utcnow()
    return True


@periodic(timedelta(hours=1))
@job_timeout(600)
def send_assignment_reminders(now: datetime | None = None) -> int:
    """Remind agents of modules due soon (once per assignment and agent);
    COURSE_REMINDER_DAYS (default 3) sets how many days before the due date."""
    days = int(current_app.config.get("COURSE_REMINDER_DAYS", assignments.REMINDER_DAYS))
    return assignments.send_reminders(now or utcnow(), days=days)
