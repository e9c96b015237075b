"""Project list, project page, project form and comments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.accounts.models import User
from change_portal.core.errors import DomainError
from change_portal.core.idempotency import once_per_submission
from change_portal.core.labels import label
from change_portal.core.pagination import paginate
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.registry import render_hook
from change_portal.core.tenancy import current_organisation_id, get_or_404
from change_portal.extensions import db
from change_portal.projects import access, page_rows, queries, services, shared
from change_portal.projects.forms import (
    CommentForm,
    ProjectForm,
)
from change_portal.projects.models import (
    PROJECT_STATUS_LABELS,
    STANCE_LABELS,
    Project,
    ProjectStatus,
)
from change_portal.projects.views import bp
from change_portal.projects.views._helpers import (
    ensure_visible,
    form_error,
    lead_choices,
    objectives_choices,
    objectives_from,
    service_choices,
    services_from,
    visible_project_or_404,
)

lead_only = role_required(Role.PROJECT_LEAD)


@bp.get("/")
@login_required
def index():
    status = request.args.get("statut", "")
    if status not in {s.value for s in ProjectStatus}:
        status = ""
    page = paginate(queries.project_list_stmt(current_user, status or None), per_page=30,
                    options=("services", "lead"))
    rows = queries.project_rows(page.items)
    return render_template("projects/index.html", page=page, rows=rows, status=status,
                           statuses=PROJECT_STATUS_LABELS)


def _project_form(project: Project | None) -> ProjectForm:
    form = ProjectForm(obj=project if request.method == "GET" else None)
    form.lead_id.choices = lead_choices()
    form.service_ids.choices = service_choices()
    form.objective_ids.choices = objectives_choices()
    if request.method == "GET":
        if project:
            form.lead_id.data = project.lead_id or 0
            form.service_ids.data = [s.id for s in project.services]
            form.objective_ids.data = [o.id for o in project.objectives]
        else:
            form.lead_id.data = current_user.id
    return form


def _save(form: ProjectForm, project: Project | None) -> Project:
    lead = get_or_404(User, form.lead_id.data) if form.lead_id.data else None
    return services.save_project(
        current_user, current_user.organisation_id, title=form.title.data,
        description=form.description.data or "", services=services_from(form.service_ids.data),
        lead=lead, status=form.status.data, start_date=form.start_date.data,
        end_date=form.end_date.data, objectives=objectives_from(form.objective_ids.data),
        project=project,
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@lead_only
def new():
    form = _project_form(None)
    if form.validate_on_submit():
        try:
            project = _save(form, None)
        except DomainError as err:
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("Le projet est créé."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


@bp.route("/<int:project_id>/modifier", methods=["GET", "POST"])
@lead_only
def edit(project_id: int):
    project = get_or_404(Project, project_id)
    form = _project_form(project)
    if form.validate_on_submit():
        try:
            _save(form, project)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "title")
        else:
            db.session.commit()
            flash(_("Le projet est enregistré."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


def render_project(project: Project, status_code: int = 200,
                   stances: dict[int, str] | None = None, **forms):
    """The project page. `stances`: the reader's positions (proposal id → stance) when
    the caller loaded them with the project."""
    # What every reader sees, from the cache (projects.shared); the reader's own parts
    # are filled in by the template: the panels (each domain caches its shared part),
    # the readiness (kept by the courses' panel for this request), the buttons,
    # "Votre position" and the comment form.
    panels = render_hook("project.panels", project=project, user=current_user)
    ready = queries.readiness(project)
    part = shared.project_part(project.id, project.organisation_id)
    if stances is None:
        stances = page_rows.my_stances(current_user.id, list(part.open_ids))
    can_comment = access.can_comment(current_user)
    # The page has one form (concerns, answers and positions are on their own pages).
    if can_comment:
        forms.setdefault("comment_form", CommentForm(formdata=None))
    return render_template(
        "projects/show.html", shared=part, project=project, panels=panels, readiness=ready,
        my_stances={pid: label(STANCE_LABELS, s) for pid, s in stances.items()},
        can_run=access.can_run(current_user), can_comment=can_comment,
        may_position=services.may_position(current_user, project), **forms,
    ), status_code


@bp.get("/<int:project_id>")
@login_required
def show(project_id: int):
    # The project with its services and the reader's positions: the one statement of
    # the page's own (the rest comes from the cache).
    project, stances = page_rows.project_for_reader(project_id, current_organisation_id(),
                                                  current_user.id)
    return render_project(ensure_visible(project), stances=stances)


@bp.post("/<int:project_id>/commentaires")
@role_required(Role.ELECTED, Role.PROJECT_LEAD, Role.ADMIN)
@once_per_submission
def comment(project_id: int):
    project = visible_project_or_404(project_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(current_user, project, form.body.data)
        except DomainError as err:
            form_error(form, err, "body")
        else:
            db.session.commit()
            flash(_("Votre commentaire est publié."), "success")
            return redirect(url_for("projects.show", project_id=project.id) + "#commentaires")
    return render_project(project, 422, comment_form=form)


def ensure(condition: bool) -> None:
    if not condition:
        abort(404)
