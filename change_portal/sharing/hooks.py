"""What the sharing domain adds to other pages: a panel on the project page (its
fiches, "préparer une fiche", the fiche it was inspired by)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from change_portal.sharing import queries, services
from change_portal.sharing.forms import ActionForm


def project_panel(project, user) -> Markup | None:
    if user is None or getattr(user, "organisation_id", None) != project.organisation_id:
        return None
    fiches, origin = queries.project_fiches(project.id)
    can_author = services.can_author(user)
    if not (fiches or origin or can_author):
        return None
    html = render_template("sharing/_project_panel.html", project=project, fiches=fiches,
                           origin=origin, can_author=can_author, form=ActionForm())
    return Markup(html)  # noqa: S704 - autoescaped template output


def maturity_theme_panels(themes, organisation_id, per_theme: int = 3, **_kw) -> dict:
    """Receiver of `maturity.theme_panels`: under each theme of a diagnosis' results,
    the most recent fiches other collectivités published on that theme (one query
    for all themes)."""
    by_theme = queries.published_for_themes([slug for slug, _title in themes],
                                            exclude_organisation_id=organisation_id,
                                            per_theme=per_theme)
    panels = {}
    for slug, title in themes:
        html = render_template("sharing/_maturity_panel.html", slug=slug, title=title,
                               fiches=by_theme.get(slug, []))
        panels[slug] = Markup(html)  # noqa: S704 - autoescaped template output
    return panels
