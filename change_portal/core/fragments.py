"""Parts of every page that do not depend on the request beyond a few flags (the main
menu: ~10 translated labels and ~10 URLs): rendered once per (language, flags) and
reused, instead of on every page (issue 15)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from change_portal.core.permissions import has_role

_MAX_ENTRIES = 512  # a few flags × sections × languages: far fewer in practice


class FragmentCache:
    """Rendered partials by key, in the process (the keys are bounded; the content
    only changes with a deployment, which restarts the processes)."""

    def __init__(self) -> None:
        self.entries: dict[tuple, Markup] = {}

    def render(self, template: str, **context) -> Markup:
        """`template` rendered with `context` only (no request, no current user),
        once per (template, language, script root, context)."""
        key = (template, str(get_locale()), request.script_root,
               tuple(sorted(context.items())))
        html = self.entries.get(key)
        if html is None:
            # render_template autoescapes: its output is safe HTML.
            html = Markup(render_template(template, **context))  # noqa: S704
            if len(self.entries) < _MAX_ENTRIES:
                self.entries[key] = html
        return html


def main_nav(cache: FragmentCache) -> Markup:
    """The main menu of the signed-in person: what they may reach and the section
    of the current page (aria-current)."""
    endpoint = request.endpoint or ""
    return cache.render(
        "_partials/nav.html", home=endpoint == "core.home", section=request.blueprint or "",
        member=current_user.organisation_id is not None,
        admin=has_role(current_user, "admin"), operator=has_role(current_user, "operator"))


def init_app(app: Flask) -> None:
    cache = FragmentCache()
    app.extensions["cp_fragments"] = cache
    app.jinja_env.globals["main_nav"] = lambda: main_nav(cache)
