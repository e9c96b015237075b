"""What the projects domain contributes to the pages of the domains below it (declared
in core/hooks.py, registered in projects/setup.py)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from change_portal.projects import queries


def objective_panel(objective, user) -> Markup | None:
    """Receiver of "objective.panels": the projects and actions that serve a roadmap
    objective, limited to the projects `user` may read (two queries)."""
    linked_projects, linked_actions = queries.linked_to_objective(objective.id, user)
    if not linked_projects and not linked_actions:
        return None
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "projects/_objective_panel.html", linked_projects=linked_projects,
        linked_actions=linked_actions))
