"""Questions and answers on a published fiche, their moderation, the contact
form and "S'en inspirer"."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.transactions import enqueue_after_commit
from change_portal.core.web import form_error
from change_portal.extensions import db
from change_portal.sharing import jobs, qa, queries
from change_portal.sharing.forms import (
    ActionForm,
    AnswerForm,
    ContactForm,
    QuestionForm,
    ReportForm,
)
from change_portal.sharing.views import bp
from change_portal.sharing.views.catalogue import render_fiche


def _failed(fiche, form, err: DomainError, name: str):
    db.session.rollback()
    form_error(form, err, "body")
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, qa.TooFast) else None
    return render_fiche(fiche, 429 if headers else 422, headers, **{name: form})


@bp.post("/<int:fiche_id>/questions")
@login_required
def ask(fiche_id: int):
    fiche = queries.published_fiche_or_404(fiche_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return render_fiche(fiche, 422, question_form=form)
    try:
        question = qa.ask(current_user, fiche, form.body.data)
    except DomainError as err:
        return _failed(fiche, form, err, "question_form")
    enqueue_after_commit(jobs.notify_question, question.id,
                         job_id=f"sharing-question-{question.id}")
    db.session.commit()
    flash(_("Votre question est publiée ; les auteurs de la fiche sont prévenus."), "success")
    return redirect(url_for("sharing.fiche", fiche_id=fiche.id) + f"#q-{question.id}")


@bp.post("/questions/<int:question_id>/reponse")
@login_required
def answer(question_id: int):
    question, fiche = queries.question_on_published_or_404(question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return render_fiche(fiche, 422, answer_form=form)
    try:
        reply = qa.answer(current_user, question, form.body.data)
    except DomainError as err:
        return _failed(fiche, form, err, "answer_form")
    enqueue_after_commit(jobs.notify_question, reply.id, job_id=f"sharing-question-{reply.id}")
    db.session.commit()
    flash(_("Votre réponse est publiée."), "success")
    return redirect(url_for("sharing.fiche", fiche_id=fiche.id) + f"#q-{question.id}")


@bp.route("/questions/<int:question_id>/signaler", methods=["GET", "POST"])
@login_required
def report(question_id: int):
    message, fiche = queries.question_on_published_or_404(question_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            qa.report(current_user, message, form.reason.data)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "reason")
        else:
            db.session.commit()
            flash(_("Merci : le message est signalé aux modérateurs."), "success")
            return redirect(url_for("sharing.fiche", fiche_id=fiche.id))
    return render_template("sharing/report.html", form=form, message=message, fiche=fiche)


@bp.post("/questions/<int:question_id>/masquer")
@role_required(Role.ADMIN, Role.OPERATOR)
def hide(question_id: int):
    message, fiche = queries.question_on_published_or_404(question_id)
    if not qa.can_moderate(current_user, fiche):
        abort(404)  # another collectivité's fiche: not disclosed
    if ActionForm().validate_on_submit():
        try:
            qa.set_hidden(current_user, message, fiche, message.hidden_at is None)
        except NotAllowed:
            abort(404)
        db.session.commit()
        flash(_("C'est fait."), "success")
    if current_user.organisation_id is None:
        return redirect(url_for("sharing.moderation"))
    return redirect(url_for("sharing.fiche", fiche_id=fiche.id))


@bp.get("/moderation")
@role_required(Role.ADMIN, Role.OPERATOR)
def moderation():
    return render_template("sharing/moderation.html", reports=queries.open_reports(current_user),
                           form=ActionForm())


@bp.post("/<int:fiche_id>/contact")
@login_required
def contact(fiche_id: int):
    fiche = queries.published_fiche_or_404(fiche_id)
    form = ContactForm()
    if not form.validate_on_submit():
        return render_fiche(fiche, 422, contact_form=form)
    try:
        body = qa.check_contact(current_user, fiche, form.body.data)
    except DomainError as err:
        return _failed(fiche, form, err, "contact_form")
    enqueue_after_commit(jobs.send_contact, fiche.id, current_user.id, body, uuid.uuid4().hex)
    db.session.commit()
    flash(_("Votre message est envoyé par courriel ; la personne vous répondra "
            "directement."), "success")
    return redirect(url_for("sharing.fiche", fiche_id=fiche.id))


@bp.post("/<int:fiche_id>/inspirer")
@role_required(Role.PROJECT_LEAD)
def inspire(fiche_id: int):
    fiche = queries.published_fiche_or_404(fiche_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("sharing.fiche", fiche_id=fiche.id))
    try:
        project = qa.inspire(current_user, fiche)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("sharing.fiche", fiche_id=fiche.id))
    db.session.commit()
    flash(_("Un projet est créé dans votre collectivité à partir de la fiche, avec un plan "
            "d'actions à relier à vos objectifs."), "success")
    return redirect(url_for("projects.show", project_id=project.id))
