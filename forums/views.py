"""Pages of the forums domain."""

from __future__ import annotations

from flask import Blueprint, render_template

from change_portal.core.permissions import login_required

bp = Blueprint("forums", __name__, url_prefix="/forums")


@bp.get("/")
@login_required
def index():
    return render_template("forums/index.html")
