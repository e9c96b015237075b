"""Template gettext with the request's translations looked up once.

Flask-Babel's template callables find the translations again for every `_()`
(the domain, the locale and the catalogue cache, each through `g`): about a dozen
context-local lookups per string, which made a third of the rendering time of a
page listing 50 projects (elected officials' dashboard, issue 15). Here the
catalogue is kept for the rest of the request in Flask-Babel's own per-request
namespace, under the attribute its `refresh()` and `force_locale()` reset, so a
locale changed during the request is still honoured."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import get_translations


def _translations():
    try:
        ctx = g._flask_babel
    except (AttributeError, RuntimeError):  # first call of the request, or no app context
        return get_translations()  # creates the namespace when there is a context
    cached = getattr(ctx, "babel_translations", None)
    if cached is None:  # None: force_locale() asks for a new lookup
        cached = ctx.babel_translations = get_translations()
    return cached


def gettext(message: str) -> str:
    """`message` translated with the request's catalogue (looked up once per request)."""
    return _translations().ugettext(message)


def install(app: Flask) -> None:
    """Replace the Jinja gettext callables Flask-Babel installed (same newstyle API)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
