"""Admins manage the categories of their collectivité."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.permissions import ORGANISATION_ROLES, ROLE_LABELS, Role, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from forums import queries, services
from forums.forms import CategoryForm
from forums.models import Category
from forums.views import bp, form_error

admin_only = role_required(Role.ADMIN)


@bp.get("/admin/categories")
@admin_only
def admin_categories():
    categories = queries.visible_categories(current_user)
    return render_template("forums/admin_categories.html", categories=categories,
                           stats=queries.category_stats([c.id for c in categories]),
                           role_labels=ROLE_LABELS)


def _save(category: Category | None):
    org = current_user.organisation
    members = queries.org_members(org.id)
    services_ = queries.org_services(org.id)
    if category is not None and request.method == "GET":
        form = CategoryForm(obj=category)
        form.roles.data = category.role_list
        form.services.data = [s.id for s in category.services]
        form.moderators.data = [u.id for u in category.moderators]
    else:
        form = CategoryForm()
    form.roles.choices = [(r.value, str(ROLE_LABELS[r])) for r in ORGANISATION_ROLES]
    form.services.choices = [(s.id, s.name) for s in services_]
    form.moderators.choices = [(u.id, u.full_name) for u in members]
    if form.validate_on_submit():
        wanted_services = set(form.services.data or [])
        wanted_mods = set(form.moderators.data or [])
        try:
            saved = services.save_category(
                current_user, org, category=category, name=form.name.data,
                description=form.description.data or "", position=form.position.data or 0,
                allow_anonymous=form.allow_anonymous.data, roles=form.roles.data or [],
                services=[s for s in services_ if s.id in wanted_services],
                moderators=[u for u in members if u.id in wanted_mods])
        except NotAllowed:
            abort(403)
        except DomainError as err:
            form_error(form, err, "name")
        else:
            db.session.commit()
            flash(_("La catégorie « %(n)s » est enregistrée.", n=saved.name), "success")
            return redirect(url_for("forums.admin_categories"))
    return render_template("forums/category_form.html", form=form, category=category)


@bp.route("/admin/categories/nouvelle", methods=["GET", "POST"])
@admin_only
def new_category():
    return _save(None)


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_only
def edit_category(category_id: int):
    return _save(get_or_404(Category, category_id))
