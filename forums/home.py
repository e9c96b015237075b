"""The forums' block on the home page (registered by forums.setup)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from forums import categories, queries


def home_panel(user) -> Markup | None:
    """Recent topics on the home page of members of a collectivité."""
    if getattr(user, "organisation_id", None) is None:
        return None
    topics = queries.recent_topic_lines(categories.visible_ids(user), limit=5)
    # render_template autoescapes: its output is safe HTML.
    return Markup(render_template("forums/_home_panel.html", topics=topics))  # noqa: S704
