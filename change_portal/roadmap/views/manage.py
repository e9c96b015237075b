"""The roadmap page, its objectives, and the admins' editing pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from change_portal.accounts import queries as account_queries
from change_portal.accounts.models import User
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.params import parse_int
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.registry import render_hook
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from change_portal.roadmap import queries, services
from change_portal.roadmap.forms import (
    AxisForm,
    IndicatorForm,
    IndicatorValueForm,
    ObjectiveForm,
    ProgressForm,
    PublishForm,
    RoadmapForm,
)
from change_portal.roadmap.models import Axis, Indicator, Objective
from change_portal.roadmap.views import bp
from change_portal.roadmap.views._helpers import form_error

admin_only = role_required(Role.ADMIN)


def _roadmap_or_404():
    roadmap = queries.get_roadmap(current_user.organisation_id)
    if roadmap is None:
        abort(404)
    return roadmap


@bp.get("/")
@login_required
def index():
    view = queries.load_roadmap(current_user.organisation_id)
    return render_template("roadmap/index.html", view=view)


@bp.route("/modifier", methods=["GET", "POST"])
@admin_only
def edit():
    roadmap = queries.get_roadmap(current_user.organisation_id)
    form = RoadmapForm(obj=roadmap if request.method == "GET" else None)
    if request.method == "GET" and roadmap is None:
        form.start_year.data, form.end_year.data = 2026, 2030
        form.title.data = _("Schéma de développement numérique")
    publish_form = PublishForm(published=current_user.organisation.roadmap_published,
                               formdata=None)
    axis_form = AxisForm(formdata=None)
    if form.validate_on_submit():
        try:
            services.save_roadmap(current_user, current_user.organisation_id,
                                  title=form.title.data, start_year=form.start_year.data,
                                  end_year=form.end_year.data)
        except DomainError as err:
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("La feuille de route est enregistrée."), "success")
            return redirect(url_for("roadmap.edit"))
    axes = roadmap.axes if roadmap else []
    return render_template("roadmap/edit.html", form=form, roadmap=roadmap, axes=axes,
                           publish_form=publish_form, axis_form=axis_form)


@bp.post("/publication")
@admin_only
def publish():
    form = PublishForm()
    if form.validate_on_submit():
        services.set_published(current_user, current_user.organisation, form.published.data)
        db.session.commit()
        flash(_("La feuille de route est publiée en données ouvertes.") if form.published.data
              else _("La feuille de route n'est plus publiée."), "success")
    return redirect(url_for("roadmap.edit"))


@bp.post("/axes")
@admin_only
def new_axis():
    roadmap = queries.get_roadmap(current_user.organisation_id)
    if roadmap is None:
        flash(_("Enregistrez d'abord la feuille de route (titre et période)."), "warning")
        return redirect(url_for("roadmap.edit"))
    form = AxisForm()
    if form.validate_on_submit():
        try:
            services.save_axis(current_user, roadmap, title=form.title.data,
                               position=form.position.data or 0)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("L'axe est ajouté."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("roadmap.edit"))


@bp.route("/axes/<int:axis_id>", methods=["GET", "POST"])
@admin_only
def edit_axis(axis_id: int):
    axis = get_or_404(Axis, axis_id)
    form = AxisForm(obj=axis if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_axis(current_user, axis.roadmap, title=form.title.data,
                               position=form.position.data or 0, axis=axis)
        except DomainError as err:
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("L'axe est enregistré."), "success")
            return redirect(url_for("roadmap.edit"))
    return render_template("roadmap/axis.html", form=form, axis=axis)


def _objective_form(objective: Objective | None, axis: Axis | None) -> ObjectiveForm:
    form = ObjectiveForm(obj=objective if request.method == "GET" else None)
    org_id = current_user.organisation_id
    form.axis_id.choices = [(a.id, a.title) for a in db.session.scalars(
        select(Axis).where(Axis.organisation_id == org_id).order_by(Axis.position, Axis.id))]
    form.owner_id.choices = account_queries.member_choices(org_id, none_label=_("— Aucun —"))
    if request.method == "GET":
        form.axis_id.data = objective.axis_id if objective else axis.id
        form.owner_id.data = (objective.owner_id or 0) if objective else 0
        if objective:
            form.version.data = str(objective.version)
    return form


def _save_objective(form: ObjectiveForm, objective: Objective | None):
    axis = get_or_404(Axis, form.axis_id.data)
    owner = get_or_404(User, form.owner_id.data) if form.owner_id.data else None
    version = parse_int(form.version.data)
    return services.save_objective(
        current_user, axis, title=form.title.data, description=form.description.data or "",
        owner=owner, target_date=form.target_date.data, status=form.status.data,
        weight=form.weight.data, manual_progress=form.manual_progress.data,
        objective=objective, expected_version=version,
    )


@bp.route("/axes/<int:axis_id>/objectifs/nouveau", methods=["GET", "POST"])
@admin_only
def new_objective(axis_id: int):
    axis = get_or_404(Axis, axis_id)
    form = _objective_form(None, axis)
    if form.validate_on_submit():
        try:
            objective = _save_objective(form, None)
        except DomainError as err:
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("L'objectif est ajouté."), "success")
            return redirect(url_for("roadmap.objective", objective_id=objective.id))
    return render_template("roadmap/objective_form.html", form=form, objective=None, axis=axis)


@bp.route("/objectifs/<int:objective_id>/modifier", methods=["GET", "POST"])
@admin_only
def edit_objective(objective_id: int):
    objective = get_or_404(Objective, objective_id)
    form = _objective_form(objective, objective.axis)
    if form.validate_on_submit():
        try:
            _save_objective(form, objective)
        except services.ConcurrentEdit as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("roadmap/objective_form.html", form=form,
                                   objective=objective, axis=objective.axis, conflict=True), 409
        except DomainError as err:
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("L'objectif est enregistré."), "success")
            return redirect(url_for("roadmap.objective", objective_id=objective.id))
    return render_template("roadmap/objective_form.html", form=form, objective=objective,
                           axis=objective.axis)


@bp.get("/objectifs/<int:objective_id>")
@login_required
def objective(objective_id: int):
    return _render_objective(get_or_404(Objective, objective_id))


def _render_objective(obj: Objective, status: int = 200, **forms):
    view, history = queries.objective_detail(obj)
    forms.setdefault("indicator_form", IndicatorForm(formdata=None))
    forms.setdefault("value_form", IndicatorValueForm(formdata=None))
    forms.setdefault("progress_form", ProgressForm(
        formdata=None, manual_progress=obj.manual_progress, version=str(obj.version)))
    can_enter = current_user.has_role(Role.ADMIN) or obj.owner_id == current_user.id
    return render_template("roadmap/objective.html", view=view, history=history,
                           panels=render_hook("objective.panels", objective=obj,
                                              user=current_user),
                           can_enter_progress=can_enter, **forms), status


@bp.post("/objectifs/<int:objective_id>/avancement")
@login_required
def update_progress(objective_id: int):
    obj = get_or_404(Objective, objective_id)
    form = ProgressForm()
    if form.validate_on_submit():
        version = parse_int(form.version.data)
        try:
            services.update_progress(current_user, obj, form.manual_progress.data,
                                     expected_version=version)
        except NotAllowed as err:
            flash(err.message, "error")
            return redirect(url_for("roadmap.objective", objective_id=obj.id))
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "manual_progress")
        else:
            db.session.commit()
            flash(_("L'avancement est enregistré."), "success")
            return redirect(url_for("roadmap.objective", objective_id=obj.id))
    return _render_objective(obj, 422, progress_form=form)


@bp.post("/objectifs/<int:objective_id>/indicateurs")
@admin_only
def new_indicator(objective_id: int):
    obj = get_or_404(Objective, objective_id)
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            services.save_indicator(current_user, obj, name=form.name.data,
                                    unit=form.unit.data, baseline=form.baseline.data,
                                    target=form.target.data)
        except DomainError as err:
            form_error(form, err, "name")
        else:
            db.session.commit()
            flash(_("L'indicateur est ajouté."), "success")
            return redirect(url_for("roadmap.objective", objective_id=obj.id))
    return _render_objective(obj, 422, indicator_form=form)


@bp.post("/indicateurs/<int:indicator_id>/valeurs")
@admin_only
def add_value(indicator_id: int):
    indicator = get_or_404(Indicator, indicator_id)
    form = IndicatorValueForm()
    if form.validate_on_submit():
        try:
            services.add_indicator_value(current_user, indicator, value=form.value.data,
                                         measured_on=form.measured_on.data)
        except DomainError as err:
            form_error(form, err, "value")
        else:
            db.session.commit()
            flash(_("La valeur est enregistrée."), "success")
            return redirect(url_for("roadmap.objective", objective_id=indicator.objective_id))
    return _render_objective(indicator.objective, 422, value_form=form,
                             error_indicator_id=indicator.id)


@bp.route("/indicateurs/<int:indicator_id>/modifier", methods=["GET", "POST"])
@admin_only
def edit_indicator(indicator_id: int):
    indicator = get_or_404(Indicator, indicator_id)
    form = IndicatorForm(obj=indicator if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_indicator(current_user, indicator.objective, name=form.name.data,
                                    unit=form.unit.data, baseline=form.baseline.data,
                                    target=form.target.data, indicator=indicator)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "name")
            status = 422
        else:
            db.session.commit()
            flash(_("L'indicateur est enregistré."), "success")
            return redirect(url_for("roadmap.objective", objective_id=indicator.objective_id))
    elif request.method == "POST":
        status = 422
    return render_template("roadmap/indicator_form.html", form=form, indicator=indicator), status
