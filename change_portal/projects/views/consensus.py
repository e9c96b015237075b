"""Consensus-building actions, concerns, proposals and positions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.idempotency import once_per_submission
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from change_portal.projects import queries, services
from change_portal.projects.forms import (
    ActionForm,
    AnswerForm,
    ConcernForm,
    OutcomeForm,
    PositionForm,
    ProposalForm,
)
from change_portal.projects.models import Action, Concern, Proposal
from change_portal.projects.views import bp
from change_portal.projects.views._helpers import (
    form_error,
    objectives_choices,
    objectives_from,
    service_choices,
    services_from,
    visible_project_or_404,
)

lead_only = role_required(Role.PROJECT_LEAD)
PARIS = ZoneInfo("Europe/Paris")


def _action_form(action: Action | None) -> ActionForm:
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.service_ids.choices = service_choices()
    form.objective_ids.choices = objectives_choices()
    if request.method == "GET" and action:
        form.service_ids.data = [s.id for s in action.services]
        form.objective_ids.data = [o.id for o in action.objectives]
    return form


def _save_action(form: ActionForm, project, action: Action | None) -> Action:
    return services.save_action(
        current_user, project, kind=form.kind.data, title=form.title.data,
        planned_on=form.planned_on.data, status=form.status.data,
        participants=form.participants.data or 0,
        services=services_from(form.service_ids.data),
        objectives=objectives_from(form.objective_ids.data), minutes=form.minutes.data or "",
        action=action,
    )


@bp.route("/<int:project_id>/actions/nouvelle", methods=["GET", "POST"])
@lead_only
@once_per_submission
def new_action(project_id: int):
    project = visible_project_or_404(project_id)
    form = _action_form(None)
    status = 200
    if form.validate_on_submit():
        try:
            action = _save_action(form, project, None)
        except DomainError as err:
            form_error(form, err, "title")
            status = 422
        else:
            db.session.commit()
            flash(_("L'action est enregistrée."), "success")
            return redirect(url_for("projects.action", action_id=action.id))
    elif request.method == "POST":
        status = 422
    return render_template("projects/action_form.html", form=form, project=project,
                           action=None), status


@bp.route("/actions/<int:action_id>/modifier", methods=["GET", "POST"])
@lead_only
def edit_action(action_id: int):
    action = get_or_404(Action, action_id)
    form = _action_form(action)
    status = 200
    if form.validate_on_submit():
        try:
            _save_action(form, action.project, action)
        except DomainError as err:
            form_error(form, err, "title")
            status = 422
        else:
            db.session.commit()
            flash(_("L'action est enregistrée."), "success")
            return redirect(url_for("projects.action", action_id=action.id))
    elif request.method == "POST":
        status = 422
    return render_template("projects/action_form.html", form=form, project=action.project,
                           action=action), status


def _render_action(action: Action, status: int = 200, **forms):
    forms.setdefault("concern_form", ConcernForm(formdata=None))
    forms.setdefault("answer_form", AnswerForm(formdata=None))
    return render_template("projects/action.html", action=action, project=action.project,
                           can_run=current_user.has_role(Role.PROJECT_LEAD), **forms), status


@bp.get("/actions/<int:action_id>")
@login_required
def action(action_id: int):
    action = get_or_404(Action, action_id)
    visible_project_or_404(action.project_id)
    return _render_action(action)


@bp.post("/actions/<int:action_id>/inquietudes")
@login_required
def raise_concern(action_id: int):
    action = get_or_404(Action, action_id)
    visible_project_or_404(action.project_id)
    form = ConcernForm()
    if form.validate_on_submit():
        try:
            services.raise_concern(current_user, action, form.text.data)
        except DomainError as err:
            form_error(form, err, "text")
        else:
            db.session.commit()
            flash(_("Votre inquiétude est enregistrée. Le chef de projet y répondra ici."),
                  "success")
            return redirect(url_for("projects.action", action_id=action.id) + "#inquietudes")
    return _render_action(action, 422, concern_form=form)


@bp.post("/inquietudes/<int:concern_id>/reponse")
@lead_only
def answer_concern(concern_id: int):
    concern = get_or_404(Concern, concern_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_concern(current_user, concern, form.answer.data)
        except DomainError as err:
            form_error(form, err, "answer")
        else:
            db.session.commit()
            flash(_("La réponse est enregistrée."), "success")
            return redirect(url_for("projects.action", action_id=concern.action_id)
                            + "#inquietudes")
    return _render_action(concern.action, 422, answer_form=form, answer_for=concern.id)


@bp.route("/<int:project_id>/propositions/nouvelle", methods=["GET", "POST"])
@lead_only
def new_proposal(project_id: int):
    project = visible_project_or_404(project_id)
    form = ProposalForm()
    status = 200
    if form.validate_on_submit():
        closes_at = form.closes_at.data.replace(tzinfo=PARIS)
        try:
            proposal = services.open_proposal(
                current_user, project, title=form.title.data, body=form.body.data or "",
                closes_at=closes_at, hide_results=form.hide_results.data)
        except DomainError as err:
            form_error(form, err, "title")
            status = 422
        else:
            db.session.commit()
            flash(_("La proposition est ouverte aux positions."), "success")
            return redirect(url_for("projects.proposal", proposal_id=proposal.id))
    elif request.method == "POST":
        status = 422
    return render_template("projects/proposal_form.html", form=form, project=project), status


def _render_proposal(proposal: Proposal, status: int = 200, **forms):
    project = proposal.project
    positions = queries.positions_on(proposal.id)
    mine = next((p for p in positions if p.user_id == current_user.id), None)
    forms.setdefault("position_form", PositionForm(
        formdata=None, stance=mine.stance if mine else None, reason=mine.reason if mine else ""))
    forms.setdefault("outcome_form", OutcomeForm(formdata=None, outcome=proposal.outcome))
    hidden = proposal.hide_results and proposal.is_open()
    counts = {}
    for p in positions:
        counts[p.stance] = counts.get(p.stance, 0) + 1
    can_run = current_user.has_role(Role.PROJECT_LEAD)
    history = queries.position_history(proposal.id) if can_run and not hidden else []
    return render_template(
        "projects/proposal.html", proposal=proposal, project=project, positions=positions,
        mine=mine, hidden=hidden, counts=counts, history=history, can_run=can_run,
        may_position=services.may_position(current_user, project), **forms), status


@bp.get("/propositions/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    visible_project_or_404(proposal.project_id)
    return _render_proposal(proposal)


@bp.post("/propositions/<int:proposal_id>/position")
@login_required
def give_position(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    visible_project_or_404(proposal.project_id)
    form = PositionForm()
    if form.validate_on_submit():
        try:
            services.give_position(current_user, proposal, stance=form.stance.data,
                                   reason=form.reason.data)
        except NotAllowed as err:
            flash(err.message, "error")
            return redirect(url_for("projects.proposal", proposal_id=proposal.id))
        except DomainError as err:
            form_error(form, err, "reason")
        else:
            db.session.commit()
            flash(_("Votre position est enregistrée. Vous pouvez la changer jusqu'à la "
                    "clôture."), "success")
            return redirect(url_for("projects.proposal", proposal_id=proposal.id))
    return _render_proposal(proposal, 422, position_form=form)


@bp.post("/propositions/<int:proposal_id>/cloture")
@lead_only
def close_proposal(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    services.close_proposal(current_user, proposal)
    db.session.commit()
    flash(_("La proposition est close : les positions ne peuvent plus changer."), "success")
    return redirect(url_for("projects.proposal", proposal_id=proposal.id))


@bp.post("/propositions/<int:proposal_id>/decision")
@lead_only
def outcome(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            services.write_outcome(current_user, proposal, form.outcome.data)
        except DomainError as err:
            form_error(form, err, "outcome")
        else:
            db.session.commit()
            flash(_("La décision est enregistrée."), "success")
            return redirect(url_for("projects.proposal", proposal_id=proposal.id))
    return _render_proposal(proposal, 422, outcome_form=form)
