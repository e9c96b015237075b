"""The themes a fiche is filed under: the maturity referential's themes.

Until the maturity domain is on main, the list is kept here with the exact slugs
the referential uses; `theme_choices()` is the one function the rest of the
package calls, so switching it to `change_portal.maturity.queries.theme_choices`
is a one-line change.
"""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

_FALLBACK = (
    ("strategie", _l("Stratégie et pilotage")),
    ("relation-usagers", _l("Relation aux usagers")),
    ("administration-interne", _l("Administration interne")),
    ("donnees", _l("Données")),
    ("cybersecurite", _l("Cybersécurité")),
    ("inclusion", _l("Inclusion numérique")),
    ("numerique-responsable", _l("Numérique responsable")),
    ("competences", _l("Compétences des agents")),
    ("cooperation", _l("Coopération et mutualisation")),
)


def theme_choices() -> list[tuple[str, str]]:
    """(slug, title) of every theme, in the referential's order. Read once per
    request (maturity reads them from the database; a page lists many fiches)."""
    if has_app_context() and "sharing_themes" in g:
        return g.sharing_themes
    try:
        from change_portal.maturity.queries import theme_choices as maturity_choices
    except ImportError:  # maturity not merged yet
        choices = [(slug, str(title)) for slug, title in _FALLBACK]
    else:
        choices = list(maturity_choices()) or [(s, str(t)) for s, t in _FALLBACK]
    if has_app_context():
        g.sharing_themes = choices
    return choices


def theme_titles() -> dict[str, str]:
    return dict(theme_choices())
