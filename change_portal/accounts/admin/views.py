"""Admin pages of a collectivité (users, services, history) and the platform
operator's pages (collectivités).

They live in accounts, above organisations, because every one of them shows or
invites people: the services with their members, a new collectivité with its first
administrator."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from change_portal.accounts import queries as account_queries
from change_portal.accounts import services as accounts
from change_portal.accounts.admin.forms import (
    AdminInviteForm,
    OrganisationForm,
    OrganisationProfileForm,
    ServiceForm,
)
from change_portal.accounts.forms import UserEditForm, UserInviteForm
from change_portal.accounts.jobs import invitation_url, send_invitation_email
from change_portal.accounts.models import Invitation, User
from change_portal.core.audit import AuditEvent
from change_portal.core.errors import DomainError
from change_portal.core.jobs import QueueUnavailable, enqueue
from change_portal.core.models import utcnow
from change_portal.core.pagination import paginate
from change_portal.core.permissions import ORGANISATION_ROLES, ROLE_LABELS, Role, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.core.web import form_error
from change_portal.extensions import db
from change_portal.organisations import queries, services
from change_portal.organisations.models import Organisation, Service

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
platform_bp = Blueprint("platform", __name__, url_prefix="/plateforme")

admin_only = role_required(Role.ADMIN)
operator_only = role_required(Role.OPERATOR)


_form_error = form_error


def _queue_invitation(invitation_id: int) -> None:
    try:
        enqueue(send_invitation_email, invitation_id)
    except QueueUnavailable:
        flash(_("L'invitation est enregistrée, mais son envoi n'a pas pu être programmé pour "
                "l'instant. Utilisez « Renvoyer l'invitation » un peu plus tard."), "warning")


def _service_choices(organisation_id: int) -> list[tuple[int, str]]:
    return queries.service_choices(organisation_id, none_label=_("— Aucun service —"))


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, str(ROLE_LABELS[r])) for r in ORGANISATION_ROLES]


def _service_or_none(service_id: int | None) -> Service | None:
    if not service_id:
        return None
    return get_or_404(Service, service_id)


# --- admin: users ------------------------------------------------------------

@admin_bp.get("/")
@admin_only
def index():
    return redirect(url_for("admin.users"))


@admin_bp.get("/utilisateurs")
@admin_only
def users():
    q = (request.args.get("q") or "").strip()[:100]
    state = request.args.get("etat", "actifs")
    stmt = (
        select(User)
        .where(User.organisation_id == current_user.organisation_id, User.erased_at.is_(None))
        .order_by(func.lower(User.full_name))
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.full_name).like(like),
                              func.lower(User.email).like(like)))
    if state == "inactifs":
        stmt = stmt.where(User.active.is_(False))
    elif state != "tous":
        stmt = stmt.where(User.active.is_(True))
    page = paginate(stmt, per_page=50, options=("service", "roles"))
    return render_template("accounts/admin/users.html", page=page, q=q, state=state)


@admin_bp.route("/utilisateurs/inviter", methods=["GET", "POST"])
@admin_only
def invite_user():
    form = UserInviteForm()
    form.service_id.choices = _service_choices(current_user.organisation_id)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.roles.data = [Role.AGENT.value]
    if form.validate_on_submit():
        try:
            invitation = accounts.invite_user(
                current_user,
                current_user.organisation,
                email=form.email.data,
                full_name=form.full_name.data,
                roles=form.roles.data,
                service=_service_or_none(form.service_id.data),
                days=current_app.config["INVITATION_DAYS"],
            )
        except DomainError as err:
            _form_error(form, err, "email")
        else:
            db.session.commit()
            _queue_invitation(invitation.id)
            flash(_("Invitation envoyée à %(email)s. Le lien est valable %(n)d jours.",
                    email=invitation.user.email, n=current_app.config["INVITATION_DAYS"]),
                  "success")
            return redirect(url_for("admin.edit_user", user_id=invitation.user_id))
    return render_template("accounts/admin/invite.html", form=form)


def _pending_invitation(user: User) -> Invitation | None:
    return db.session.execute(
        select(Invitation)
        .where(Invitation.user_id == user.id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@admin_bp.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    if user.erased_at is not None:
        abort(404)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.service_id.choices = _service_choices(current_user.organisation_id)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.service_id.data = user.service_id or 0
        form.roles.data = [r.role for r in user.roles]
    if form.validate_on_submit():
        try:
            accounts.update_user(current_user, user, full_name=form.full_name.data,
                                 service=_service_or_none(form.service_id.data),
                                 roles=form.roles.data)
        except DomainError as err:
            _form_error(form, err, "roles")
        else:
            db.session.commit()
            flash(_("Les informations de %(name)s sont enregistrées.", name=user.full_name),
                  "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    pending = _pending_invitation(user) if not user.has_password else None
    # Without SMTP the link is only in the outbox file: show it to the admin.
    link = invitation_url(pending) if pending and not current_app.config["MAIL_SERVER"] else None
    return render_template("accounts/admin/user.html", form=form, user=user, pending=pending,
                           link=link)


@admin_bp.post("/utilisateurs/<int:user_id>/desactiver")
@admin_only
def deactivate_user(user_id: int):
    user = get_or_404(User, user_id)
    try:
        accounts.deactivate_user(current_user, user)
    except DomainError as err:
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Le compte de %(name)s est désactivé. Ses contributions restent visibles.",
                name=user.full_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.post("/utilisateurs/<int:user_id>/reactiver")
@admin_only
def reactivate_user(user_id: int):
    user = get_or_404(User, user_id)
    accounts.reactivate_user(current_user, user)
    db.session.commit()
    flash(_("Le compte de %(name)s est réactivé.", name=user.full_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.post("/utilisateurs/<int:user_id>/reinviter")
@admin_only
def resend_invitation(user_id: int):
    user = get_or_404(User, user_id)
    try:
        invitation = accounts.resend_invitation(
            current_user, user, days=current_app.config["INVITATION_DAYS"]
        )
    except DomainError as err:
        flash(err.message, "error")
    else:
        db.session.commit()
        _queue_invitation(invitation.id)
        flash(_("Une nouvelle invitation est envoyée ; l'ancien lien ne fonctionne plus."),
              "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.post("/utilisateurs/<int:user_id>/effacer")
@admin_only
def erase_user(user_id: int):
    user = get_or_404(User, user_id)
    if request.form.get("confirm") != "oui":
        flash(_("Cochez la case de confirmation pour effacer ce compte."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    try:
        accounts.erase_user(current_user, user)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    db.session.commit()
    flash(_("Les données personnelles de ce compte sont effacées. Ses contributions restent, "
            "présentées comme celles d'un ancien agent."), "success")
    return redirect(url_for("admin.users"))


# --- admin: services ---------------------------------------------------------

@admin_bp.route("/services", methods=["GET", "POST"])
@admin_only
def services_list():
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            services.create_service(current_user, current_user.organisation_id, form.name.data)
        except DomainError as err:
            _form_error(form, err, "name")
        else:
            db.session.commit()
            flash(_("Service « %(name)s » ajouté.", name=form.name.data.strip()), "success")
            return redirect(url_for("admin.services_list"))
    rows = account_queries.services_with_counts(current_user.organisation_id)
    return render_template("accounts/admin/services.html", form=form, rows=rows)


@admin_bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@admin_only
def edit_service(service_id: int):
    service = get_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        try:
            services.rename_service(current_user, service, form.name.data)
        except DomainError as err:
            _form_error(form, err, "name")
        else:
            db.session.commit()
            flash(_("Service renommé."), "success")
            return redirect(url_for("admin.services_list"))
    return render_template("accounts/admin/service.html", form=form, service=service)


@admin_bp.post("/services/<int:service_id>/supprimer")
@admin_only
def delete_service(service_id: int):
    service = get_or_404(Service, service_id)
    try:
        services.delete_service(current_user, service,
                                members=account_queries.service_member_count(service.id))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("admin.edit_service", service_id=service.id))
    db.session.commit()
    flash(_("Service supprimé."), "success")
    return redirect(url_for("admin.services_list"))


# --- admin: history ----------------------------------------------------------

@admin_bp.get("/historique")
@admin_only
def audit_log():
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.organisation_id == current_user.organisation_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    page = paginate(stmt, per_page=50)
    ids = {e.actor_id for e in page.items if e.actor_id} | {
        e.target_id for e in page.items if e.target_type == "User" and e.target_id
    }
    names = dict(
        db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()
    ) if ids else {}
    return render_template("accounts/admin/audit.html", page=page, names=names)


# --- platform operator -------------------------------------------------------

@platform_bp.get("/collectivites")
@operator_only
def organisations():
    return render_template("accounts/platform/organisations.html",
                           rows=account_queries.organisations_with_counts())


@platform_bp.route("/collectivites/nouvelle", methods=["GET", "POST"])
@operator_only
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                current_user, name=form.name.data, slug=form.slug.data,
                kind=form.kind.data, population=form.population.data,
                region=form.region.data or None,
            )
            invitation = accounts.invite_user(
                current_user, org, email=form.admin_email.data, full_name=form.admin_name.data,
                roles=[Role.ADMIN.value, Role.AGENT.value], service=None,
                days=current_app.config["INVITATION_DAYS"],
            )
        except DomainError as err:
            db.session.rollback()
            field = {"email": "admin_email"}.get(err.field or "", err.field or "name")
            _form_error(form, DomainError(err.message, field=field), "name")
        else:
            db.session.commit()
            _queue_invitation(invitation.id)
            flash(_("La collectivité « %(name)s » est créée ; son administrateur est invité.",
                    name=org.name), "success")
            return redirect(url_for("platform.organisation", org_id=org.id))
    return render_template("accounts/platform/new_organisation.html", form=form)


def _organisation_or_404(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


@platform_bp.route("/collectivites/<int:org_id>", methods=["GET", "POST"])
@operator_only
def organisation(org_id: int):
    org = _organisation_or_404(org_id)
    form = AdminInviteForm()
    if form.validate_on_submit():
        try:
            invitation = accounts.invite_user(
                current_user, org, email=form.admin_email.data, full_name=form.admin_name.data,
                roles=[Role.ADMIN.value, Role.AGENT.value], service=None,
                days=current_app.config["INVITATION_DAYS"],
            )
        except DomainError as err:
            _form_error(form, DomainError(err.message, field="admin_email"), "admin_email")
        else:
            db.session.commit()
            _queue_invitation(invitation.id)
            flash(_("Invitation envoyée à %(email)s.", email=invitation.user.email), "success")
            return redirect(url_for("platform.organisation", org_id=org.id))
    admins = db.session.scalars(
        select(User)
        .where(User.organisation_id == org.id, User.roles.any(role=Role.ADMIN.value))
        .order_by(User.full_name)
    ).all()
    pending = {u.id: _pending_invitation(u) for u in admins if not u.has_password}
    links = {uid: invitation_url(inv) for uid, inv in pending.items()
             if inv and not current_app.config["MAIL_SERVER"]}
    return render_template("accounts/platform/organisation.html", org=org, admins=admins, form=form,
                           links=links)


@platform_bp.route("/collectivites/<int:org_id>/profil", methods=["GET", "POST"])
@operator_only
def organisation_profile(org_id: int):
    org = _organisation_or_404(org_id)
    form = OrganisationProfileForm(obj=org)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, org, name=form.name.data, kind=form.kind.data,
                population=form.population.data, region=form.region.data or None,
            )
        except DomainError as err:
            db.session.rollback()
            _form_error(form, err, "name")
        else:
            db.session.commit()
            flash(_("La fiche de la collectivité est mise à jour."), "success")
            return redirect(url_for("platform.organisation", org_id=org.id))
    return render_template("accounts/platform/organisation_profile.html", org=org, form=form)


# The bulk import pages live in their own module, on the same blueprint.
from change_portal.accounts.admin import import_views  # noqa: E402, F401
