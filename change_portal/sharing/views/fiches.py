"""A collectivité's own fiches: made from a project, edited, previewed exactly as
others will see them, submitted, validated, unpublished, and their history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError
from change_portal.core.permissions import Role, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.core.web import form_error
from change_portal.extensions import db
from change_portal.projects import access as project_access
from change_portal.projects import queries as project_queries
from change_portal.projects.models import Project
from change_portal.sharing import queries, services
from change_portal.sharing.forms import ActionForm, FicheForm
from change_portal.sharing.models import Fiche
from change_portal.sharing.themes import theme_choices
from change_portal.sharing.views import bp
from change_portal.sharing.views._helpers import fiche_view

authors_only = role_required(Role.PROJECT_LEAD, Role.ADMIN)


@bp.get("/nos-fiches")
@authors_only
def mine():
    fiches = queries.own_fiches(current_user.organisation_id)
    projects = project_queries.visible_projects_by_title(current_user)
    return render_template("sharing/mine.html", fiches=fiches, projects=projects,
                           form=ActionForm(),
                           unanswered=queries.unanswered_counts([f.id for f in fiches]))


@bp.post("/projets/<int:project_id>/fiche")
@authors_only
def new(project_id: int):
    project = get_or_404(Project, project_id)
    if not project_access.can_see(current_user, project):
        abort(404)
    if ActionForm().validate_on_submit():
        fiche = services.draft_from_project(current_user, project)
        db.session.commit()
        flash(_("La fiche est préparée à partir du projet : complétez-la, puis "
                "prévisualisez-la."), "success")
        return redirect(url_for("sharing.edit", fiche_id=fiche.id))
    return redirect(url_for("sharing.mine"))


def _form(fiche: Fiche) -> FicheForm:
    form = FicheForm(obj=fiche if request.method == "GET" else None)
    form.themes.choices = theme_choices()
    form.result_ids.choices = [(r["indicator_id"], r["name"]) for r in fiche.results or []]
    if request.method == "GET":
        form.links.data = "\n".join(f"{lk['label']} | {lk['url']}" for lk in fiche.links or [])
        form.result_ids.data = [r["indicator_id"] for r in fiche.results or []]
        form.contact_me.data = fiche.contact_id == current_user.id
    return form


@bp.route("/fiches/<int:fiche_id>/modifier", methods=["GET", "POST"])
@authors_only
def edit(fiche_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    form = _form(fiche)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_fiche(
                current_user, fiche, title=form.title.data, summary=form.summary.data,
                problem=form.problem.data, what_done=form.what_done.data,
                difficulties=form.difficulties.data, cost=form.cost.data,
                duration=form.duration.data, links=form.links.data,
                repo_url=form.repo_url.data, themes=form.themes.data,
                results=form.result_ids.data, contact_me=form.contact_me.data,
                contact_role=form.contact_role.data)
        except DomainError as err:
            db.session.rollback()
            form_error(form, err, "title")
            status = 422
        else:
            db.session.commit()
            flash(_("La fiche est enregistrée. Voici ce que les autres collectivités "
                    "verront."), "success")
            return redirect(url_for("sharing.preview", fiche_id=fiche.id))
    elif request.method == "POST":
        status = 422
    return render_template("sharing/edit.html", form=form, fiche=fiche, action_form=ActionForm(),
                           attachments=services.current_attachments(fiche)), status


@bp.get("/fiches/<int:fiche_id>/apercu")
@authors_only
def preview(fiche_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    view = fiche_view(fiche, services.content_of(fiche))
    return render_template(
        "sharing/preview.html", fiche=fiche, view=view, form=ActionForm(),
        can_validate=services.can_validate(current_user, fiche),
        can_unpublish=services.can_unpublish(current_user, fiche),
        interested=queries.interested_organisations(fiche.id),
        reuses=queries.reuse_count(fiche.id))


def _act(fiche_id: int, action, message: str):
    fiche = get_or_404(Fiche, fiche_id)
    if ActionForm().validate_on_submit():
        try:
            action(current_user, fiche)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("sharing.preview", fiche_id=fiche.id))


@bp.post("/fiches/<int:fiche_id>/soumettre")
@authors_only
def submit(fiche_id: int):
    return _act(fiche_id, services.submit,
                _("La fiche est soumise : l'administrateur ou un autre chef de projet la "
                  "valide avant publication."))


@bp.post("/fiches/<int:fiche_id>/valider")
@authors_only
def validate(fiche_id: int):
    return _act(fiche_id, services.validate,
                _("La fiche est publiée : les autres collectivités la voient."))


@bp.post("/fiches/<int:fiche_id>/renvoyer")
@authors_only
def reject(fiche_id: int):
    return _act(fiche_id, services.reject, _("La fiche est renvoyée en brouillon."))


@bp.post("/fiches/<int:fiche_id>/depublier")
@role_required(Role.ADMIN)
def unpublish(fiche_id: int):
    return _act(fiche_id, services.unpublish,
                _("La fiche est dépubliée : plus aucune autre collectivité ne la voit."))


@bp.post("/fiches/<int:fiche_id>/actualiser")
@authors_only
def refresh(fiche_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    if fiche.project_id is None:
        flash(_("Le projet d'origine n'existe plus."), "error")
        return redirect(url_for("sharing.preview", fiche_id=fiche.id))
    project = get_or_404(Project, fiche.project_id)
    return _act(fiche_id, lambda actor, f: services.refresh_from_project(actor, f, project),
                _("Les chiffres du projet sont recopiés dans la fiche."))


@bp.get("/fiches/<int:fiche_id>/historique")
@authors_only
def history(fiche_id: int):
    fiche = get_or_404(Fiche, fiche_id)
    return render_template("sharing/history.html", fiche=fiche,
                           revisions=services.revisions(fiche))
