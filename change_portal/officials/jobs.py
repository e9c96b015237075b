"""Background jobs of the elected officials' views: the council report (PDF) and the CSV export.

They take a ReportJob id, are idempotent (a job already done does nothing) and
never commit themselves: core.jobs.run_job commits. A failure is recorded on the
row (status failed, message) so that the person sees it and can retry.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from change_portal.core.jobs import job_timeout
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.officials import reports
from change_portal.organisations.models import Organisation
from change_portal.roadmap.models import ReportJob, ReportStatus

log = logging.getLogger(__name__)

REPORT_TIMEOUT = 600  # a year of a large collectivité builds in well under a minute

BUILDERS = {"pdf": reports.build_pdf, "csv": reports.build_csv}


@job_timeout(REPORT_TIMEOUT)
def build_report(job_id: int) -> None:
    """Produce the file of one ReportJob and store it in the row."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.status == ReportStatus.DONE:
        return
    job.status = ReportStatus.RUNNING
    job.attempts += 1
    job.error = None
    try:
        organisation = db.session.get(Organisation, job.organisation_id)
        data = reports.collect(organisation, job.period_start, job.period_end)
        content = BUILDERS[job.kind](data)
    except Exception:  # any failure becomes a visible state with a retry button
        log.exception("report job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ReportJob, job_id)
        job.status = ReportStatus.FAILED
        job.attempts += 1
        job.error = _("La préparation du document a échoué. Réessayez ; si l'échec se "
                      "répète, prévenez votre administrateur.")
        job.finished_at = utcnow()
        return
    job.content = content
    job.status = ReportStatus.DONE
    job.finished_at = utcnow()

