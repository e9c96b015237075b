"""The digital roadmap (schéma de développement numérique) and its dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template

from change_portal.core.permissions import login_required

bp = Blueprint("roadmap", __name__, url_prefix="/feuille-de-route")


@bp.get("/")
@login_required
def index():
    return render_template("roadmap/index.html")
