"""Follow-up without ranking, assignments, and the modules required by a project."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.accounts import queries as account_queries
from change_portal.core.errors import DomainError
from change_portal.core.pagination import paginate
from change_portal.core.permissions import Role, role_required, safe_next
from change_portal.core.tenancy import get_or_404
from change_portal.core.web import form_error
from change_portal.extensions import db
from change_portal.organisations import queries as organisation_queries
from change_portal.projects.models import Project
from courses import assignments, queries
from courses.forms import AssignmentForm, RequiredModuleForm
from courses.models import PROGRESS_LABELS, Assignment
from courses.views import bp


@bp.get("/modules/suivi")
@role_required(Role.TRAINER, Role.ADMIN)
def followup():
    return render_template("courses/followup.html",
                           entries=queries.followup(current_user.organisation_id),
                           min_group=queries.MIN_GROUP_SIZE)


@bp.get("/modules/suivi/<int:module_id>")
@role_required(Role.ADMIN)
def followup_module(module_id: int):
    module = queries.visible_module_or_404(module_id, current_user.organisation_id)
    version = queries.current_versions([module.id]).get(module.id)
    rows = queries.completion_status(current_user.organisation_id, module.id)
    return render_template("courses/followup_module.html", module=module, version=version,
                           rows=rows, statuses=PROGRESS_LABELS)


def _module_choices() -> list[tuple[int, str]]:
    return [(0, _("— Choisir un module —")),
            *queries.module_choices(current_user.organisation_id)]


@bp.route("/modules/affectations", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.PROJECT_LEAD, Role.TRAINER)
def assignments_page():
    org_id = current_user.organisation_id
    form = AssignmentForm()
    form.module_id.choices = _module_choices()
    form.service_id.choices = organisation_queries.service_choices(
        org_id, none_label=_("— Aucun service —"))
    form.user_ids.choices = account_queries.member_choices(org_id, limit=500)
    if form.validate_on_submit():
        module = queries.visible_module(form.module_id.data, org_id)
        service = organisation_queries.service_of(org_id, form.service_id.data)
        users = account_queries.members_among(org_id, form.user_ids.data)
        try:
            if module is None:
                raise DomainError(_("Choisissez un module."), field="module_id")
            assignments.assign_module(current_user, module, service=service, users=users,
                                      due_date=form.due_date.data)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "module_id")
        else:
            db.session.commit()
            flash(_("Module attribué. Les agents le verront dans « À faire » sur leur page "
                    "d'accueil."), "success")
            return redirect(url_for("courses.assignments_page"))
    page = paginate(queries.assignments_stmt(org_id), per_page=20)
    versions = queries.current_versions({a.module_id for a in page.items})
    return render_template("courses/assignments.html", form=form, page=page, versions=versions)


@bp.post("/modules/affectations/<int:assignment_id>/supprimer")
@role_required(Role.ADMIN, Role.PROJECT_LEAD, Role.TRAINER)
def delete_assignment(assignment_id: int):
    assignment = get_or_404(Assignment, assignment_id)
    assignments.delete_assignment(current_user, assignment)
    db.session.commit()
    flash(_("Attribution retirée."), "success")
    return redirect(url_for("courses.assignments_page"))


@bp.post("/modules/projets/<int:project_id>/modules")
@role_required(Role.ADMIN, Role.PROJECT_LEAD)
def add_project_module(project_id: int):
    project = get_or_404(Project, project_id)
    form = RequiredModuleForm()
    form.module_id.choices = _module_choices()
    module = None
    if form.validate_on_submit():
        module = queries.visible_module(form.module_id.data, current_user.organisation_id)
    if module is None:
        flash(_("Choisissez un module dans la liste."), "error")
    else:
        assignments.add_required_module(current_user, project, module)
        db.session.commit()
        flash(_("Module ajouté aux formations requises du projet."), "success")
    return redirect(safe_next(url_for("projects.index")))


@bp.post("/modules/projets/<int:project_id>/modules/<int:module_id>/retirer")
@role_required(Role.ADMIN, Role.PROJECT_LEAD)
def remove_project_module(project_id: int, module_id: int):
    project = get_or_404(Project, project_id)
    queries.visible_module_or_404(module_id, current_user.organisation_id)
    assignments.remove_required_module(current_user, project, module_id)
    db.session.commit()
    flash(_("Module retiré des formations requises du projet."), "success")
    return redirect(safe_next(url_for("projects.index")))
