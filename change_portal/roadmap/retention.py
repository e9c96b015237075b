"""Retention of the roadmap's data: old council reports are deleted."""

from __future__ import annotations

from sqlalchemy import delete

from change_portal.extensions import db
from change_portal.roadmap.models import ReportJob


def purge_old_reports(cutoff) -> int:
    """Receiver of the "retention.purge" hook: reports older than the retention
    period are deleted with their file (they can be generated again)."""
    return db.session.execute(
        delete(ReportJob).where(ReportJob.created_at < cutoff)).rowcount or 0
