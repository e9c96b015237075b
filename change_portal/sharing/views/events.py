"""Journées de partage: list, page, the operator's form, proposals, attendance."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core import clock
from change_portal.core.errors import DomainError
from change_portal.core.params import form_int
from change_portal.core.permissions import Role, any_user_required, login_required, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.core.web import form_error
from change_portal.extensions import db
from change_portal.sharing import events
from change_portal.sharing.forms import ActionForm, EventForm
from change_portal.sharing.models import EventProposal, Fiche, SharingEvent
from change_portal.sharing.views import bp


def _event_or_404(event_id: int) -> SharingEvent:
    event = db.session.get(SharingEvent, event_id)
    if event is None:
        abort(404)
    return event


@bp.get("/journees")
@any_user_required
def events_index():
    return render_template("sharing/events.html", rows=events.events_list(),
                           today=clock.today())


@bp.get("/journees/<int:event_id>")
@any_user_required
def event(event_id: int):
    ev = _event_or_404(event_id)
    return render_template("sharing/event.html", event=ev, form=ActionForm(),
                           past=ev.held_on < clock.today(), **events.event_detail(ev, current_user))


def _event_form(ev: SharingEvent | None):
    form = EventForm(obj=ev if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            ev = events.save_event(current_user, title=form.title.data, held_on=form.held_on.data,
                                   place=form.place.data, online_url=form.online_url.data,
                                   programme=form.programme.data, event=ev)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "title")
            status = 422
        else:
            db.session.commit()
            flash(_("La journée est enregistrée."), "success")
            return redirect(url_for("sharing.event", event_id=ev.id))
    elif request.method == "POST":
        status = 422
    return render_template("sharing/event_form.html", form=form, event=ev), status


@bp.route("/journees/nouvelle", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def new_event():
    return _event_form(None)


@bp.route("/journees/<int:event_id>/modifier", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def edit_event(event_id: int):
    return _event_form(_event_or_404(event_id))


@bp.post("/journees/<int:event_id>/proposer")
@role_required(Role.PROJECT_LEAD, Role.ADMIN)
def propose(event_id: int):
    ev = _event_or_404(event_id)
    fiche_id = form_int("fiche_id")
    fiche = get_or_404(Fiche, fiche_id) if fiche_id is not None else abort(404)
    if ActionForm().validate_on_submit():
        try:
            events.propose(current_user, ev, fiche)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Votre fiche est proposée ; l'opérateur vous confirmera."), "success")
    return redirect(url_for("sharing.event", event_id=ev.id))


@bp.post("/journees/propositions/<int:proposal_id>/accepter")
@role_required(Role.OPERATOR)
def accept_proposal(proposal_id: int):
    proposal = db.session.get(EventProposal, proposal_id) or abort(404)
    if ActionForm().validate_on_submit():
        events.accept(current_user, proposal, request.form.get("refuse") != "1")
        db.session.commit()
    return redirect(url_for("sharing.event", event_id=proposal.event_id))


@bp.post("/journees/<int:event_id>/participer")
@login_required
def attend(event_id: int):
    ev = _event_or_404(event_id)
    if ActionForm().validate_on_submit():
        attending = events.toggle_attendance(current_user, ev)
        db.session.commit()
        flash(_("Votre participation est notée.") if attending
              else _("Votre participation est retirée."), "success")
    return redirect(url_for("sharing.event", event_id=ev.id))
