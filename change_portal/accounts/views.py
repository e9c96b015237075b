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

from change_portal.accounts import login as login_attempts
from change_portal.accounts import services
from change_portal.accounts.forms import AcceptInvitationForm, LoginForm, PasswordChangeForm
from change_portal.core import privacy
from change_portal.core.errors import DomainError
from change_portal.core.permissions import any_user_required, public, safe_next
from change_portal.core.security import TooManyRequests, retry_message
from change_portal.extensions import db

bp = Blueprint("accounts", __name__)


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _start_session(user) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh cookie at every login
    if lang:
        session["lang"] = lang
    services.open_login_session(user, ip=_client_ip(), user_agent=request.user_agent.string)
    session.permanent = True
    login_user(user)


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
        _start_session(result.user)
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
        services.close_login_session(current_user)
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
