"""Login, logout, own password, invitation links."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from change_portal.accounts import cookie, reset, services, sessions
from change_portal.accounts import login as login_attempts
from change_portal.accounts.forms import (
    AcceptInvitationForm,
    JoinForm,
    LoginForm,
    PasswordChangeForm,
    ResetPasswordForm,
    ResetRequestForm,
    SwitchForm,
)
from change_portal.accounts.jobs import send_password_reset_email
from change_portal.core import privacy
from change_portal.core.errors import DomainError
from change_portal.core.permissions import any_user_required, public, safe_next
from change_portal.core.security import TooManyRequests, retry_message
from change_portal.core.transactions import enqueue_after_commit
from change_portal.extensions import db

bp = Blueprint("accounts", __name__)


@bp.app_context_processor
def _membership_choices():
    # Called by the header only when the session knows of several memberships.
    return {"membership_choices": lambda user: services.memberships(user.account_id)}


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _start_session(user, memberships: int | None = None) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh cookie at every login
    if lang:
        session["lang"] = lang
    sessions.open_login_session(user, ip=_client_ip(), user_agent=request.user_agent.string)
    session.permanent = True
    cookie.fix_expiry(session, current_app.permanent_session_lifetime)
    login_user(user)
    _remember_memberships(user, memberships)


def _remember_memberships(user, count: int | None = None) -> None:
    # The header shows the collectivité switcher only to people with several
    # memberships; remembering the count spares everyone else a query per page.
    # `count`: already known (a login counted them), no second query.
    session["memberships"] = len(services.memberships(user.account_id)) if count is None \
        else count


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("core.home")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        cfg = current_app.config
        result = login_attempts.attempt(
            form.email.data, form.password.data, ip=_client_ip(),
            limits=login_attempts.LoginLimits.from_config(cfg), secret_key=cfg["SECRET_KEY"],
            device=request.cookies.get(login_attempts.DEVICE_COOKIE),
            device_days=cfg["LOGIN_DEVICE_DAYS"],
        )
        if result.wait:
            db.session.commit()
            raise TooManyRequests(result.wait, retry_message(result.wait))
        if result.user is None:
            db.session.commit()  # keep the failure counters and the audit entry
            flash(_("Adresse électronique ou mot de passe incorrect."), "error")
            return render_template("accounts/login.html", form=form), 200
        _start_session(result.user, result.memberships)
        db.session.commit()
        resp = redirect(safe_next(url_for("core.home")))
        resp.set_cookie(login_attempts.DEVICE_COOKIE, result.device_cookie,
                        max_age=cfg["LOGIN_DEVICE_DAYS"] * 86400, httponly=True,
                        secure=cfg["SESSION_COOKIE_SECURE"], samesite="Lax")
        return resp
    return render_template("accounts/login.html", form=form)


@bp.post("/deconnexion")
@public  # logging out must work even for a session that just expired
def logout():
    if current_user.is_authenticated:
        sessions.close_login_session(current_user)
        db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/compte")
@any_user_required
def account():
    return render_template("accounts/account.html")


@bp.get("/compte/mes-donnees")
@any_user_required
def my_data():
    return render_template("accounts/my_data.html")


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(content, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/compte/mes-donnees.json")
@any_user_required
def my_data_json():
    return _download(privacy.export_json(current_user), "application/json",
                     "mes-donnees-portail.json")


@bp.get("/compte/mes-donnees-csv.zip")
@any_user_required
def my_data_csv():
    return _download(privacy.export_csv_zip(current_user), "application/zip",
                     "mes-donnees-portail-csv.zip")


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@any_user_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        ok, wait = login_attempts.check_current_password(
            current_user, form.current_password.data, ip=_client_ip(),
            limits=login_attempts.LoginLimits.from_config(current_app.config))
        if wait:
            raise TooManyRequests(wait, retry_message(wait))
        if not ok:
            db.session.commit()  # keep the failure counters and the audit entry
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     current_ok=ok)
        except DomainError as err:
            getattr(form, err.field or "password").errors.append(err.message)
        else:
            db.session.commit()
            flash(_("Votre mot de passe a été changé. Vos autres sessions sont fermées."),
                  "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    if len(token) > 300:
        abort(404)
    try:
        invitation = services.load_invitation(token, current_app.config["SECRET_KEY"])
    except DomainError as err:
        return render_template("accounts/invitation_invalid.html", message=err.message), 410
    if not services.invitation_sets_password(invitation):
        return _join(invitation)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(invitation, form.password.data)
        except DomainError as err:
            form.password.errors.append(err.message)
        else:
            _start_session(user)
            db.session.commit()
            flash(_("Bienvenue ! Votre compte est prêt."), "success")
            return redirect(url_for("core.home"))
    return render_template("accounts/invitation.html", form=form, invitation=invitation)


def _join(invitation):
    """An invitation for an account that exists: the person signs in, then
    confirms joining the collectivité."""
    if not current_user.is_authenticated:
        flash(_("Connectez-vous pour accepter cette invitation."), "info")
        return redirect(url_for("accounts.login", next=request.path))
    if current_user.account_id != invitation.user.account_id:
        return render_template(
            "accounts/invitation_invalid.html",
            message=_("Cette invitation est destinée à une autre personne. Déconnectez-vous, "
                      "puis connectez-vous avec l'adresse qui l'a reçue.")), 403
    form = JoinForm()
    if form.validate_on_submit():
        user = services.join_membership(current_user, invitation)
        services.switch_membership(current_user, user.id)
        db.session.commit()
        _remember_memberships(user)
        flash(_("Vous avez rejoint %(org)s.", org=user.organisation.name if user.organisation
                else ""), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/invitation_join.html", form=form, invitation=invitation)


@bp.post("/compte/collectivite")
@any_user_required
def switch_membership():
    """The header's collectivité switcher: act in another membership."""
    form = SwitchForm()
    if not form.validate_on_submit():
        abort(404)
    target = services.switch_membership(current_user, form.membership_id.data)
    if target is None:
        abort(404)  # not one of this person's active memberships: fail closed
    db.session.commit()
    _remember_memberships(target)
    flash(_("Vous agissez maintenant pour %(org)s.", org=target.organisation.name
            if target.organisation else _("la plateforme")), "success")
    return redirect(url_for("core.home"))


# --- "Mot de passe oublié ?" ---------------------------------------------------------

@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@public
def forgotten_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        cfg = current_app.config
        limits = {"ip_limits": cfg["LOGIN_LIMIT_IP"], "account_limits": cfg["RESET_LIMIT_ACCOUNT"]}
        wait = reset.reserve_reset(_client_ip(), form.email.data, **limits)
        db.session.commit()  # the count is visible to concurrent requests at once
        if wait:
            raise TooManyRequests(wait, retry_message(wait))
        account_id = reset.request_reset(form.email.data, ip=_client_ip())
        if account_id is not None:
            # A refused job gets the same answer (the handle is not read): saying
            # otherwise would tell that the address has an account; the person can ask
            # again, and the refusal is logged.
            enqueue_after_commit(send_password_reset_email, account_id)
        db.session.commit()
        # The same answer whether the address has an account or not.
        return render_template("accounts/reset_sent.html", email=form.email.data,
                               minutes=reset.RESET_MAX_AGE // 60)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    if len(token) > 300:
        abort(404)
    try:
        account = reset.load_reset(token, current_app.config["SECRET_KEY"])
    except DomainError as err:
        return render_template("accounts/reset_invalid.html", message=err.message), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(account, form.password.data)
        except DomainError as err:
            form.password.errors.append(err.message)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("Votre mot de passe est changé et toutes vos sessions sont fermées. "
                    "Connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), (
        422 if form.errors else 200)
