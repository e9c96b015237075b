"""The themes a fiche is filed under: the maturity referential's themes
(`change_portal.maturity.queries.theme_choices`), stored on fiches as their slugs."""

from __future__ import annotations

from flask import g, has_app_context

from change_portal.maturity.queries import theme_choices as maturity_theme_choices


def theme_choices() -> list[tuple[str, str]]:
    """(slug, title) of every theme, in the referential's order. Read once per
    request (maturity reads them from the database; a page lists many fiches)."""
    if has_app_context() and "sharing_themes" in g:
        return g.sharing_themes
    choices = [(slug, str(title)) for slug, title in maturity_theme_choices()]
    if has_app_context():
        g.sharing_themes = choices
    return choices


def theme_titles() -> dict[str, str]:
    return dict(theme_choices())
