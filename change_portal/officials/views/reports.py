"""Council reports (PDF) and exports (CSV), built by a background job."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from change_portal.core.errors import DomainError
from change_portal.core.jobs import QueueUnavailable, enqueue
from change_portal.core.permissions import Role, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from change_portal.officials import jobs
from change_portal.officials.views import bp
from change_portal.roadmap import services
from change_portal.roadmap.forms import ReportForm
from change_portal.roadmap.models import ReportJob, ReportStatus
from change_portal.roadmap.views._helpers import form_error

readers = role_required(Role.ELECTED, Role.ADMIN, Role.PROJECT_LEAD)
MIMETYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def _queue(job: ReportJob) -> None:
    try:
        enqueue(jobs.build_report, job.id)
    except QueueUnavailable:
        services.mark_report_unqueued(job, _(
            "La file d'attente est indisponible pour l'instant. Réessayez dans quelques "
            "minutes."))
        db.session.commit()


@bp.route("/rapports", methods=["GET", "POST"])
@readers
def reports():
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        try:
            job = services.request_report(current_user, current_user.organisation_id,
                                          kind=form.kind.data,
                                          period_start=form.period_start.data,
                                          period_end=form.period_end.data)
        except DomainError as err:
            form_error(form, err, "kind")
            status = 422
        else:
            db.session.commit()
            _queue(job)
            # inline jobs (embedded mode) have already run: say what is true now
            db.session.refresh(job)
            if job.status == ReportStatus.DONE:
                flash(_("Votre document est prêt : téléchargez-le ci-dessous."), "success")
            elif job.status == ReportStatus.FAILED:
                flash(_("La préparation du document a échoué : voyez ci-dessous et "
                        "réessayez."), "error")
            else:
                flash(_("Votre document est en préparation. Il apparaît ci-dessous dès qu'il "
                        "est prêt."), "success")
            return redirect(url_for("officials.reports"))
    elif request.method == "POST":
        status = 422
    db.session.expire_all()
    jobs_list = db.session.scalars(
        select(ReportJob).where(ReportJob.organisation_id == current_user.organisation_id)
        .order_by(ReportJob.id.desc()).limit(20)
    ).all()
    return render_template("officials/reports.html", form=form, jobs=jobs_list), status


@bp.post("/rapports/<int:job_id>/relancer")
@readers
def retry_report(job_id: int):
    job = get_or_404(ReportJob, job_id)
    try:
        services.retry_report(current_user, job)
    except DomainError as err:
        flash(err.message, "warning")
        return redirect(url_for("officials.reports"))
    db.session.commit()
    _queue(job)
    flash(_("Le document est relancé."), "success")
    return redirect(url_for("officials.reports"))


@bp.get("/rapports/<int:job_id>/fichier")
@readers
def download_report(job_id: int):
    job = get_or_404(ReportJob, job_id)
    if job.status != ReportStatus.DONE or job.content is None:
        abort(404)
    return Response(job.content, mimetype=MIMETYPES[job.kind], headers={
        "Content-Disposition": f'attachment; filename="{job.filename}"'})
