"""Pages that belong to no domain: home, language choice, health check, statements."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import text

from change_portal.core.connections import get_redis
from change_portal.core.home import render_panels
from change_portal.core.permissions import any_user_required, is_safe_next, public
from change_portal.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    return render_template("core/welcome.html")


@bp.get("/accueil")
@any_user_required
def home():
    if current_user.organisation_id is None:
        return redirect(url_for("platform.organisations"))
    return render_template("core/home.html", panels=render_panels(current_user))


@bp.post("/langue")
@public
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.index"))


@bp.get("/accessibilite")
@public
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/healthz")
@public
def healthz():
    """Database and queue state, for load balancers and monitoring."""
    state = {"database": "ok", "queue": "inline"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy", whatever the driver raises
        db.session.rollback()
        state["database"] = "unavailable"
        healthy = False
    redis = get_redis()
    if redis is not None:
        try:
            redis.ping()
            state["queue"] = "ok"
        except RedisError:
            state["queue"] = "unavailable"
            healthy = False
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if healthy else 503
