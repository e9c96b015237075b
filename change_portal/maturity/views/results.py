"""The collectivité's results: positioning without ranking, chart and table,
evolution, links to the roadmap and the modules; CSV and printable page."""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from change_portal.core import cache
from change_portal.core.errors import DomainError
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.privacy import csv_safe
from change_portal.extensions import db
from change_portal.maturity import queries, services
from change_portal.maturity import results as results_mod
from change_portal.maturity.forms import LinkForm, ObjectiveFromThemeForm
from change_portal.maturity.views import bp

#: What the shared part of the results is made of (declared in maturity.setup).
RESULTS_WATCH = "maturity.results"


@bp.get("/diagnostic/<int:diagnosis_id>/resultats")
@login_required
def results(diagnosis_id: int):
    diag = queries.diagnosis_or_404(diagnosis_id, current_user.organisation_id)
    shared = _shared_part(diag)
    # Asked on every request, outside this collectivité's entry: these blocks show the
    # other collectivités' published fiches, whose writes do not reach its watch (the
    # sharing domain caches its answer under its own, across collectivités).
    panels = results_mod.theme_panels(diag.organisation_id, shared["themes_titles"])
    link_form = axes = None
    if current_user.has_role(Role.ADMIN):
        link_form = LinkForm(formdata=None)
        link_form.objective_id.choices = queries.objective_choices(diag.organisation_id)
        axes = queries.axis_choices(diag.organisation_id)
    return render_template("maturity/results.html", shared=shared, panels=panels,
                           diagnosis=diag, edition=diag.edition, link_form=link_form, axes=axes)


def _shared_part(diag) -> dict:
    """The figures, chart, table and theme by theme (linked objectives, modules):
    the same for every member of the collectivité, rendered once, then from the
    cache until something they are made of changes (maturity.setup declares what).
    Returns {"head": Markup, "themes": [(slug, Markup)], "themes_titles": [(slug,
    title)]}; the CSRF-bearing admin forms and the fiches' panels stay outside."""
    def build() -> dict:
        res = results_mod.build(diag, current_user.organisation, panels=False)
        fmt, sentence = results_mod.formatter(), results_mod.sentence
        head = get_template_attribute("maturity/_results_shared.html", "head")
        theme = get_template_attribute("maturity/_results_shared.html", "theme")
        return {"head": str(head(res, diag, diag.edition, sentence, fmt)),
                "themes": [(t.slug, str(theme(t, res, sentence, fmt))) for t in res.themes],
                "themes_titles": [(t.slug, t.title) for t in res.themes]}

    value = cache.cached_value(
        RESULTS_WATCH, diag.organisation_id,
        (diag.id, str(get_locale()), request.script_root), build, db.session)
    # Rendered by Jinja with autoescaping: safe HTML.
    return {"head": Markup(value["head"]),  # noqa: S704
            "themes": [(slug, Markup(html)) for slug, html in value["themes"]],  # noqa: S704
            "themes_titles": value["themes_titles"]}


@bp.get("/diagnostic/<int:diagnosis_id>/resultats.csv")
@login_required
def results_csv(diagnosis_id: int):
    diag = queries.diagnosis_or_404(diagnosis_id, current_user.organisation_id)
    res = results_mod.build(diag, current_user.organisation, extras=False)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("thème"), _("niveau"), _("affirmations répondues"), _("affirmations"),
                     _("niveau précédent"), _("strate : réponses"), _("strate : 1er quartile"),
                     _("strate : médiane"), _("strate : 3e quartile"),
                     _("tous : 1er quartile"), _("tous : médiane"), _("tous : 3e quartile")])
    for t in [*res.themes, res.overall]:
        s, e = t.stratum, t.everyone
        writer.writerow([csv_safe(t.title), t.level, t.answered, t.total, t.previous,
                         s.n if s.shown else "", s.q1, s.median, s.q3, e.q1, e.median, e.q3])
    filename = f"maturite-{diag.edition.slug}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/diagnostic/<int:diagnosis_id>/objectifs")
@role_required(Role.ADMIN)
def link(diagnosis_id: int):
    diag = queries.diagnosis_or_404(diagnosis_id, current_user.organisation_id)
    form = LinkForm()
    form.objective_id.choices = queries.objective_choices(diag.organisation_id)
    themes = {t.slug for t in diag.edition.referential.themes}
    if form.validate_on_submit() and form.theme_slug.data in themes:
        try:
            services.link_objective(current_user, form.theme_slug.data, form.objective_id.data,
                                    linked=not form.unlink.data)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Le lien entre le thème et l'objectif est enregistré."), "success")
    else:
        flash(_("Choisissez un thème et un objectif de votre feuille de route."), "error")
    return redirect(url_for("maturity.results", diagnosis_id=diag.id))


@bp.post("/diagnostic/<int:diagnosis_id>/themes/<theme_slug>/objectif")
@role_required(Role.ADMIN)
def new_objective(diagnosis_id: int, theme_slug: str):
    diag = queries.diagnosis_or_404(diagnosis_id, current_user.organisation_id)
    theme = queries.theme_by_slug(diag.edition.referential_id, theme_slug)
    if theme is None:
        abort(404)
    form = ObjectiveFromThemeForm()
    if not form.validate_on_submit():
        flash(_("Choisissez un axe de votre feuille de route."), "error")
        return redirect(url_for("maturity.results", diagnosis_id=diag.id))
    level = results_mod.build(diag, current_user.organisation, extras=False)
    current = next((t.level for t in level.themes if t.slug == theme.slug), None)
    try:
        objective_id = services.objective_from_theme(current_user, theme, form.axis_id.data,
                                                     current)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("maturity.results", diagnosis_id=diag.id))
    db.session.commit()
    flash(_("L'objectif est créé et lié au thème : complétez-le."), "success")
    return redirect(url_for("roadmap.edit_objective", objective_id=objective_id))
