"""The forums' block on the home page (registered by forums.setup)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from change_portal.core import cache
from change_portal.extensions import db
from forums import categories, queries, shared


def home_panel(user) -> Markup | None:
    """Recent topics on the home page of members of a collectivité: the same for every
    member who sees the same categories, cached under the watch of the topic lists."""
    if getattr(user, "organisation_id", None) is None:
        return None
    ids = tuple(sorted(categories.visible_ids(user)))

    def build() -> str:
        topics = queries.recent_topic_lines(list(ids), limit=5)
        return str(render_template("forums/_home_panel.html", topics=topics))

    html = cache.cached_value(shared.TOPICS, user.organisation_id,
                              ("home", ids, str(get_locale()), request.script_root),
                              build, db.session)
    # render_template autoescapes: its output is safe HTML.
    return Markup(html)  # noqa: S704
