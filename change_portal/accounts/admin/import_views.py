"""Admin pages that onboard a collectivité from files: people to invite, the
hierarchy of services. Upload → preview (nothing done) → confirm (all or
nothing) → one job sends the invitations → a downloadable report."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.accounts.admin import bulk
from change_portal.accounts.admin.tabular import MAX_BYTES, MAX_ROWS
from change_portal.accounts.admin.views import admin_bp, admin_only
from change_portal.accounts.jobs import send_invitations
from change_portal.core.errors import DomainError
from change_portal.core.idempotency import once_per_submission
from change_portal.core.jobs import QueueUnavailable, enqueue
from change_portal.core.permissions import ROLE_LABELS
from change_portal.extensions import db


def _upload() -> tuple[bytes, str] | None:
    """The uploaded file (bytes, base name), None with a flash when missing."""
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        flash(_("Choisissez un fichier CSV."), "error")
        return None
    data = upload.stream.read(MAX_BYTES + 1)
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:100] or "fichier.csv"
    return data, name


def _limits() -> dict:
    return {"max_rows": MAX_ROWS, "max_kb": MAX_BYTES // 1024,
            "role_labels": {r.value: str(label) for r, label in ROLE_LABELS.items()}}


# --- people ------------------------------------------------------------------

@admin_bp.route("/utilisateurs/import", methods=["GET", "POST"])
@admin_only
def import_users():
    if request.method == "GET":
        return render_template("accounts/admin/import_users.html", plan=None, **_limits())
    upload = _upload()
    if upload is None:
        return render_template("accounts/admin/import_users.html", plan=None, **_limits()), 400
    data, name = upload
    try:
        plan = bulk.plan_people(current_user.organisation, data, name)
    except DomainError as err:
        flash(err.message, "error")
        return render_template("accounts/admin/import_users.html", plan=None, **_limits()), 400
    token = bulk.sign_file(current_app.config["SECRET_KEY"], kind="people", actor=current_user,
                           data=data, filename=name) if plan.can_confirm else None
    return render_template("accounts/admin/import_users.html", plan=plan, token=token, **_limits())


@admin_bp.post("/utilisateurs/import/confirmer")
@admin_only
@once_per_submission  # a double click never runs the import twice
def confirm_import_users():
    secret = current_app.config["SECRET_KEY"]
    try:
        data, name = bulk.load_file(secret, request.form.get("jeton", ""), kind="people",
                                    actor=current_user)
        plan, invitation_ids = bulk.apply_people(
            current_user, current_user.organisation, data, name,
            days=current_app.config["INVITATION_DAYS"])
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.import_users"))
    db.session.commit()
    if invitation_ids:
        try:
            enqueue(send_invitations, invitation_ids)
        except QueueUnavailable:
            flash(_("Les invitations sont enregistrées, mais leur envoi n'a pas pu être "
                    "programmé pour l'instant. Renvoyez-les depuis la fiche de chaque "
                    "personne un peu plus tard."), "warning")
    flash(_("%(n)d invitation(s) enregistrée(s) ; les courriels partent en arrière-plan.",
            n=len(invitation_ids)), "success")
    report = bulk.sign_report(secret, current_user, bulk.report_rows(plan))
    return render_template("accounts/admin/import_users_done.html", plan=plan, report=report,
                           sent=len(invitation_ids))


@admin_bp.post("/utilisateurs/import/rapport")
@admin_only
def import_users_report():
    try:
        rows = bulk.load_report(current_app.config["SECRET_KEY"],
                                request.form.get("rapport", ""), current_user)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("admin.import_users"))
    return Response(bulk.report_csv(rows), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="rapport-import-comptes.csv"'})


@admin_bp.get("/utilisateurs/import/modele.csv")
@admin_only
def import_users_template():
    return _template("modele-comptes.csv", bulk.PEOPLE_TEMPLATE)


def _template(filename: str, text: str) -> Response:
    # UTF-8 with BOM and ";": what Excel in French opens as columns without a wizard.
    return Response(("\ufeff" + text).encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- services ----------------------------------------------------------------

@admin_bp.route("/services/import", methods=["GET", "POST"])
@admin_only
def import_services():
    if request.method == "GET":
        return render_template("accounts/admin/import_services.html", plan=None, **_limits())
    upload = _upload()
    if upload is None:
        return render_template("accounts/admin/import_services.html", plan=None, **_limits()), 400
    data, name = upload
    try:
        plan = bulk.plan_services(current_user.organisation, data, name)
    except DomainError as err:
        flash(err.message, "error")
        return render_template("accounts/admin/import_services.html", plan=None, **_limits()), 400
    can_confirm = not plan.errors and any(li.action != bulk.UNCHANGED for li in plan.lines)
    token = bulk.sign_file(current_app.config["SECRET_KEY"], kind="services",
                           actor=current_user, data=data, filename=name) if can_confirm else None
    return render_template("accounts/admin/import_services.html", plan=plan, token=token,
                           **_limits())


@admin_bp.get("/services/import/modele.csv")
@admin_only
def import_services_template():
    return _template("modele-services.csv", bulk.SERVICES_TEMPLATE)


@admin_bp.post("/services/import/confirmer")
@admin_only
@once_per_submission
def confirm_import_services():
    try:
        data, name = bulk.load_file(current_app.config["SECRET_KEY"],
                                    request.form.get("jeton", ""), kind="services",
                                    actor=current_user)
        plan = bulk.apply_services(current_user, current_user.organisation, data, name)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.import_services"))
    db.session.commit()
    flash(_("Services importés : %(created)d créé(s), %(moved)d rattachement(s) modifié(s).",
            created=plan.count(bulk.CREATE), moved=plan.count(bulk.REPARENT)), "success")
    return redirect(url_for("admin.services_list"))
