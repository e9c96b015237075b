"""Projects and their consensus-building actions."""

from __future__ import annotations

from flask import Blueprint, render_template

from change_portal.core.permissions import login_required
from change_portal.projects import models  # noqa: F401 - registers the tables

bp = Blueprint("projects", __name__, url_prefix="/projets")


@bp.get("/")
@login_required
def index():
    return render_template("projects/index.html")
