"""The collectivité's diagnosis: start, assign themes, answer, submit, reopen.

Every page is scoped to the current collectivité (diagnosis_or_404: another
collectivité's diagnosis is a 404). Writing rules are checked by services;
a refused write is explained (flash) rather than answered 403, because the same
page is open to every member for reading.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.transactions import enqueue_after_commit
from change_portal.extensions import db
from change_portal.maturity import jobs, queries, services
from change_portal.maturity.forms import (
    AssignForm,
    ConfirmForm,
    ReviewerForm,
    ThemeAnswersForm,
    parse_answers,
)
from change_portal.maturity.models import Diagnosis, Edition
from change_portal.maturity.views import bp

admin_only = role_required(Role.ADMIN)


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")


@bp.get("/")
@login_required
def index():
    org_id = current_user.organisation_id
    edition = services.open_edition_now()
    current = queries.diagnosis_for(org_id, edition.id) if edition else None
    return render_template("maturity/index.html", edition=edition, current=current,
                           diagnoses=queries.diagnoses_of(org_id), form=ConfirmForm())


@bp.post("/editions/<int:edition_id>/demarrer")
@admin_only
def start(edition_id: int):
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("maturity.index"))
    try:
        diagnosis = services.start_diagnosis(current_user, edition)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("maturity.index"))
    db.session.commit()
    return redirect(url_for("maturity.diagnosis", diagnosis_id=diagnosis.id))


def _diagnosis(diagnosis_id: int) -> Diagnosis:
    return queries.diagnosis_or_404(diagnosis_id, current_user.organisation_id)


@bp.get("/diagnostic/<int:diagnosis_id>")
@login_required
def diagnosis(diagnosis_id: int):
    diag = _diagnosis(diagnosis_id)
    view = queries.diagnosis_view(diag)
    people = queries.members(diag.organisation_id) if current_user.has_role(Role.ADMIN) else []
    assign_form = AssignForm(formdata=None)
    assign_form.theme_id.choices = [(t.theme.id, t.theme.title) for t in view.themes]
    assign_form.user_id.choices = [(0, _("— Personne —"))] + [(u.id, u.full_name)
                                                              for u in people]
    reviewer_form = ReviewerForm(formdata=None, user_id=diag.reviewer_id or 0)
    reviewer_form.user_id.choices = assign_form.user_id.choices
    return render_template(
        "maturity/diagnosis.html", view=view, diagnosis=diag, edition=diag.edition,
        history=queries.history_of(diag.id), assign_form=assign_form,
        reviewer_form=reviewer_form, form=ConfirmForm(),
        can_submit=services.can_submit(current_user, diag))


@bp.post("/diagnostic/<int:diagnosis_id>/attributions")
@admin_only
def assign(diagnosis_id: int):
    diag = _diagnosis(diagnosis_id)
    form = AssignForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
    theme = next((t for t in queries.themes_of(diag.edition.referential_id)
                  if t.id == form.theme_id.data), None)
    if theme is None:
        flash(_("Choisissez un thème de ce diagnostic."), "error")
        return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
    try:
        assignment = services.assign_theme(current_user, diag, theme, form.user_id.data or None)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
    if assignment is not None:
        enqueue_after_commit(jobs.send_assignment_email, assignment.id)
    db.session.commit()
    if assignment is not None:
        flash(_("Le thème « %(t)s » est confié à %(n)s, qui en est prévenu·e par courriel.",
                t=theme.title, n=assignment.user.full_name), "success")
    else:
        flash(_("L'attribution du thème « %(t)s » est enregistrée.", t=theme.title), "success")
    return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))


@bp.post("/diagnostic/<int:diagnosis_id>/relecteur")
@admin_only
def reviewer(diagnosis_id: int):
    diag = _diagnosis(diagnosis_id)
    form = ReviewerForm()
    if form.validate_on_submit():
        try:
            services.set_reviewer(current_user, diag, form.user_id.data or None)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("La personne chargée de relire et soumettre est enregistrée."), "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))


@bp.route("/diagnostic/<int:diagnosis_id>/themes/<theme_slug>", methods=["GET", "POST"])
@login_required
def theme(diagnosis_id: int, theme_slug: str):
    diag = _diagnosis(diagnosis_id)
    th = queries.theme_by_slug(diag.edition.referential_id, theme_slug)
    if th is None:
        abort(404)
    assignment = queries.assignments_of(diag.id).get(th.id)
    writable = (diag.edition.is_open and not diag.is_submitted and services.can_answer(
        current_user, diag, th.id, assignment.user_id if assignment else None))
    answers = queries.answers_of(diag.id)
    form = ThemeAnswersForm()
    typed, errors, conflicts = None, {}, []
    if request.method == "POST":
        if not writable:
            flash(_("Vous ne pouvez pas modifier ce thème : il est en lecture seule pour "
                    "vous ou le diagnostic est soumis."), "error")
            return redirect(url_for("maturity.theme", diagnosis_id=diag.id,
                                    theme_slug=th.slug))
        values, errors = parse_answers(request.form, [s.id for s in th.statements])
        typed = {v["statement_id"]: v for v in values}
        if form.validate_on_submit() and not errors:
            try:
                conflicts = services.save_theme(
                    current_user, diag, th, [services.AnswerInput(**v) for v in values])
            except NotAllowed as err:
                flash(err.message, "error")
                return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
            except DomainError as err:
                db.session.rollback()
                flash(err.message, "error")
            else:
                db.session.commit()
                if not conflicts:
                    flash(_("Vos réponses au thème « %(t)s » sont enregistrées.", t=th.title),
                          "success")
                    return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
                answers = queries.answers_of(diag.id)
    return render_template(
        "maturity/theme.html", diagnosis=diag, theme=th, answers=answers, typed=typed,
        errors=errors, conflicts=set(conflicts), writable=writable, form=form,
        assignment=assignment, scale=diag.edition.referential.scale,
        versions=_versions(th, answers, typed, set(conflicts)))


def _versions(theme, answers, typed, conflicts) -> dict[int, int]:
    """The edit_version each statement's hidden field carries: the saved one on a
    fresh page; after a refused save, the one the person opened (nothing of theirs
    was saved), except where they were told of a conflict or where the saved
    answer already equals what they typed (saving again then replaces knowingly)."""
    versions = {}
    for s in theme.statements:
        saved = answers.get(s.id)
        current = saved.edit_version if saved else 0
        mine = typed.get(s.id) if typed else None
        same = mine is not None and saved is not None and saved.level == mine["level"] \
            and saved.comment == (mine["comment"] or "").strip()
        keep_current = mine is None or s.id in conflicts or same
        versions[s.id] = current if keep_current else mine["opened_version"]
    return versions


@bp.post("/diagnostic/<int:diagnosis_id>/soumettre")
@login_required
def submit(diagnosis_id: int):
    diag = _diagnosis(diagnosis_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.submit(current_user, diag, current_user.organisation)
        except DomainError as err:
            flash(err.message, "error")
        else:
            enqueue_after_commit(jobs.refresh_distributions, diag.edition_id)
            db.session.commit()
            flash(_("Le diagnostic est soumis : il est figé et compte désormais dans les "
                    "comparaisons."), "success")
            return redirect(url_for("maturity.results", diagnosis_id=diag.id))
    else:
        _flash_form_errors(form)
    return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))


@bp.post("/diagnostic/<int:diagnosis_id>/rouvrir")
@admin_only
def reopen(diagnosis_id: int):
    diag = _diagnosis(diagnosis_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.reopen(current_user, diag)
        except DomainError as err:
            flash(err.message, "error")
        else:
            enqueue_after_commit(jobs.refresh_distributions, diag.edition_id)
            db.session.commit()
            flash(_("Le diagnostic est rouvert : il ne compte plus dans les comparaisons "
                    "jusqu'à sa prochaine soumission."), "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for("maturity.diagnosis", diagnosis_id=diag.id))
