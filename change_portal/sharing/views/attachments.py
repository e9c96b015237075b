"""Attachments of a fiche: upload and withdraw (the collectivité's authors), and
serving them — to other collectivités only when the published snapshot lists them."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core import uploads
from change_portal.core.errors import DomainError
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from change_portal.sharing import queries, services
from change_portal.sharing.forms import ActionForm
from change_portal.sharing.models import Fiche, FicheAttachment
from change_portal.sharing.views import bp

authors_only = role_required(Role.PROJECT_LEAD, Role.ADMIN)


def _attachment_of(fiche: Fiche, attachment_id: int) -> FicheAttachment:
    row = queries.attachment_of(fiche.id, attachment_id)
    if row is None:
        abort(404)
    return row


@bp.post("/fiches/<int:fiche_id>/pieces")
@authors_only
def upload(fiche_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    file = request.files.get("file")
    if ActionForm().validate_on_submit():
        data = file.read(services.ATTACHMENT_MAX_BYTES + 1) if file else b""
        try:
            services.upload_attachment(current_user, fiche, request.form.get("name", ""), data)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("La pièce jointe est ajoutée ; elle sera visible après validation."),
                  "success")
    return redirect(url_for("sharing.edit", fiche_id=fiche.id) + "#pieces")


@bp.post("/fiches/<int:fiche_id>/pieces/<int:attachment_id>/retirer")
@authors_only
def withdraw_attachment(fiche_id: int, attachment_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    row = _attachment_of(fiche, attachment_id)
    if ActionForm().validate_on_submit():
        services.withdraw_attachment(current_user, fiche, row)
        db.session.commit()
        flash(_("La pièce jointe est retirée de la fiche."), "success")
    return redirect(url_for("sharing.edit", fiche_id=fiche.id) + "#pieces")


@bp.get("/<int:fiche_id>/pieces/<int:attachment_id>")
@login_required
def attachment(fiche_id: int, attachment_id: int):
    fiche = db.session.get(Fiche, fiche_id)
    if fiche is None:
        abort(404)
    own_author = (fiche.organisation_id == current_user.organisation_id
                  and services.can_author(current_user))
    if not own_author:
        listed = {a.get("id") for a in (fiche.published_content or {}).get("attachments", [])}
        if not fiche.published or attachment_id not in listed:
            abort(404)
    row = _attachment_of(fiche, attachment_id)
    kind = row.content_type.split("/")[-1].replace("jpeg", "jpg")
    return uploads.serve(row.content, row.content_type, f"{row.name}.{kind}",
                         inline=row.is_image)
