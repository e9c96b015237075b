"""What the sharing domain adds to other pages: a panel on the project page (its
fiches, "préparer une fiche", the fiche it was inspired by)."""

from __future__ import annotations

import uuid

from flask import get_template_attribute, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from change_portal.core import cache
from change_portal.extensions import db
from change_portal.sharing import queries, services
from change_portal.sharing.forms import ActionForm
from change_portal.sharing.views._shared import CATALOGUE_WATCH, EVERYONE


def project_panel(project, user) -> Markup | None:
    """The fiches made from the project, the fiche it was inspired by and, for their
    authors, "préparer une fiche". Cached under the catalogue's watch (any fiche
    written anywhere replaces it: the inspiring fiche is another collectivité's), keyed
    by the right to author; the form's CSRF field is put in per request."""
    if user is None or getattr(user, "organisation_id", None) != project.organisation_id:
        return None
    can_author = services.can_author(user)

    def build() -> tuple[str, str]:
        fiches, origin = queries.project_fiches(project.id)
        if not (fiches or origin or can_author):
            return "", ""  # nothing to show (None would not be cached)
        nonce = uuid.uuid4().hex  # where the CSRF token goes (no title can forge it)
        # The form's hidden field as WTForms renders it (none when CSRF is off), with
        # the nonce for this reader's token.
        field = getattr(ActionForm(), "csrf_token", None)
        csrf = Markup(str(field()).replace(generate_csrf(), nonce)  # noqa: S704 - WTForms'
                      ) if field is not None else ""
        html = render_template("sharing/_project_panel.html", project=project, fiches=fiches,
                               origin=origin, can_author=can_author, csrf=csrf)
        return str(html), nonce

    html, nonce = cache.cached_value(
        CATALOGUE_WATCH, EVERYONE,
        ("project_panel", project.id, can_author, str(get_locale()), request.script_root),
        build, db.session)
    if not html:
        return None
    if can_author:
        html = html.replace(nonce, generate_csrf())
    return Markup(html)  # noqa: S704 - autoescaped template output, a token of [\w.-]


def maturity_theme_panels(themes, organisation_id, per_theme: int = 3, **_kw) -> dict:
    """Receiver of `maturity.theme_panels`: under each theme of a diagnosis' results,
    the most recent fiches other collectivités published on that theme (one query
    for all themes). Cached under the catalogue's watch (across collectivités: any
    fiche published, changed or withdrawn anywhere replaces it), keyed by the
    collectivité left out."""
    themes = [(slug, str(title)) for slug, title in themes]

    def build() -> dict[str, str]:
        by_theme = queries.published_for_themes([slug for slug, _title in themes],
                                                exclude_organisation_id=organisation_id,
                                                per_theme=per_theme)
        panel = get_template_attribute("sharing/_maturity_panel.html", "panel")
        return {slug: str(panel(slug, title, by_theme.get(slug, [])))
                for slug, title in themes}

    panels = cache.cached_value(
        CATALOGUE_WATCH, EVERYONE,
        ("maturity.theme_panels", organisation_id, per_theme, tuple(themes),
         str(get_locale()), request.script_root), build, db.session)
    # Rendered by Jinja with autoescaping: safe HTML.
    return {slug: Markup(html) for slug, html in panels.items()}  # noqa: S704
