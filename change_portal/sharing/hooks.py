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
    slugs = [slug for slug, _title in themes]
    by_theme: dict[str, list] = {slug: [] for slug in slugs}
    for fiche in queries.published_for_themes(slugs, exclude_organisation_id=organisation_id):
        for slug in (fiche.pub_themes or "").strip(",").split(","):
            if slug in by_theme and len(by_theme[slug]) < per_theme:
                by_theme[slug].append(fiche)
    panels = {}
    for slug, title in themes:
        html = render_template("sharing/_maturity_panel.html", slug=slug, title=title,
                               fiches=by_theme.get(slug, []))
        panels[slug] = Markup(html)  # noqa: S704 - autoescaped template output
    return panels
