"""Pages of the learning domain."""

from __future__ import annotations

from flask import Blueprint, render_template

from change_portal.core.permissions import login_required

bp = Blueprint("courses", __name__, url_prefix="/modules")


@bp.get("/")
@login_required
def catalogue():
    return render_template("courses/catalogue.html")
