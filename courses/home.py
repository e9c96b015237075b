"""The learning domain's block on the home page (registered by courses.setup)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from change_portal.core import clock
from courses import queries


def todo_panel(user) -> Markup | None:
    """Modules assigned to the user and not completed yet."""
    if getattr(user, "organisation_id", None) is None:
        return None
    todo = queries.todo_for(user)
    if not todo:
        return None
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "courses/_todo_panel.html", todo=todo, today=clock.today()))
