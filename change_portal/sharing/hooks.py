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
