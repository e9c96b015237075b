"""« Où en sommes-nous ? » : the results of one collectivité's diagnosis.

Reads a handful of rows whatever the number of respondents: the themes, the
answers, the precomputed distributions of its stratum and of all respondents,
its previous submitted diagnosis, the linked objectives; the modules and the
other domains' panels come through hooks (one call each for all themes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core.registry import call_hook
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity import queries
from change_portal.maturity.models import (
    ALL_RESPONDENTS,
    OVERALL,
    Diagnosis,
    DiagnosisStatus,
    Distribution,
    Edition,
    ThemeObjective,
)
from change_portal.organisations.models import Organisation
from change_portal.organisations.strata import Stratum, stratum_of

#: hook name: receivers get themes=[(slug, title)], organisation_id=int and
#: return {slug: Markup} (e.g. the experience sharing's published fiches)
THEME_PANELS_HOOK = "maturity.theme_panels"
#: receivers get tags_by_theme={slug: [tags]}, organisation_id=int and return
#: {slug: [(module title, module id)]}
THEME_MODULES_HOOK = "maturity.theme_modules"


@lru_cache(maxsize=1024)
def _formatted(value: float, locale: str) -> str:
    return format_decimal(value, format="0.0", locale=locale)


def fmt(value: float | None) -> str:
    """2.4 → « 2,4 » (the person's locale), None → « — ». Cached: a results page
    formats about a hundred figures, all among the 51 levels 0.0–5.0."""
    return "—" if value is None else _formatted(float(value), str(get_locale() or "fr"))


def formatter():
    """`fmt` with the request's locale read once: the observatory formats a few
    hundred figures at full scale (three per theme and stratum), and reading the
    locale costs more than the cached formatting itself."""
    locale = str(get_locale() or "fr")

    def bound(value: float | None) -> str:
        return "—" if value is None else _formatted(float(value), locale)

    return bound


@dataclass
class ThemeResult:
    slug: str
    title: str
    level: float | None
    answered: int
    total: int
    stratum: rules.Band
    everyone: rules.Band
    previous: float | None = None
    objectives: list = field(default_factory=list)
    modules: list = field(default_factory=list)
    panels: list[Markup] = field(default_factory=list)

    @property
    def evolution(self) -> float | None:
        if self.level is None or self.previous is None:
            return None
        return rules.one_decimal(self.level - self.previous)


@dataclass
class Results:
    diagnosis: Diagnosis
    stratum: Stratum
    themes: list[ThemeResult]
    overall: ThemeResult
    previous_title: str | None

    @property
    def stratum_label(self) -> str:
        return self.stratum.label


def _band(row: Distribution | None) -> rules.Band:
    if row is None:
        return rules.Band(n=0)
    if row.n < rules.MIN_GROUP:
        return rules.Band(n=row.n)
    return rules.Band(n=row.n, q1=row.q1, median=row.median, q3=row.q3)


def _distributions(edition_id: int, stratum_key: str) -> dict[tuple[str, str], Distribution]:
    rows = db.session.scalars(select(Distribution).where(
        Distribution.edition_id == edition_id,
        Distribution.group_key.in_([stratum_key, ALL_RESPONDENTS])))
    return {(r.group_key, r.theme_slug): r for r in rows}


def _previous(diagnosis: Diagnosis) -> tuple[str | None, dict, float | None]:
    """The collectivité's latest submitted diagnosis of an earlier edition."""
    row = db.session.execute(
        select(Diagnosis.theme_levels, Diagnosis.overall_level, Edition.title)
        .join(Edition, Edition.id == Diagnosis.edition_id)
        .where(of_tenant(Diagnosis, diagnosis.organisation_id),
               Diagnosis.edition_id < diagnosis.edition_id,
               Diagnosis.status == DiagnosisStatus.SUBMITTED)
        .order_by(Diagnosis.edition_id.desc()).limit(1)).first()
    if row is None:
        return None, {}, None
    return row.title, row.theme_levels or {}, row.overall_level


def _objectives(organisation_id: int) -> dict[str, list]:
    from change_portal.roadmap.models import Objective

    rows = db.session.execute(
        select(ThemeObjective.theme_slug, Objective.id, Objective.title)
        .join(Objective, Objective.id == ThemeObjective.objective_id)
        .where(of_tenant(ThemeObjective, organisation_id))
        .order_by(Objective.title)).all()
    result: dict[str, list] = {}
    for slug, oid, title in rows:
        result.setdefault(slug, []).append((oid, title))
    return result


def _merge_hooks(name: str, **kwargs) -> dict:
    merged: dict = {}
    for answer in call_hook(name, **kwargs):
        if isinstance(answer, dict):
            for slug, value in answer.items():
                merged.setdefault(slug, []).append(value)
    return merged


def theme_panels(organisation_id: int, themes: list[tuple[str, str]]) -> dict[str, list[Markup]]:
    """{theme slug: the other domains' blocks under that theme} (THEME_PANELS_HOOK),
    Markup only."""
    panels = _merge_hooks(THEME_PANELS_HOOK, organisation_id=organisation_id, themes=themes)
    return {slug: [p for p in found if isinstance(p, Markup)] for slug, found in panels.items()}


def build(diagnosis: Diagnosis, organisation: Organisation, *, extras: bool = True,
          panels: bool = True) -> Results:
    """The results of `diagnosis` (submitted or not: levels are computed live
    while in progress; positioning always uses submitted diagnoses only).
    `panels=False` leaves out the THEME_PANELS_HOOK blocks (the results page asks
    for them on every request: they show other collectivités' fiches)."""
    if diagnosis.is_submitted and diagnosis.stratum_kind:
        stratum = Stratum(diagnosis.stratum_kind, diagnosis.stratum_band)
    else:
        stratum = stratum_of(organisation.kind, organisation.population)
    view = queries.diagnosis_view(diagnosis, with_assignees=False)
    dists = _distributions(diagnosis.edition_id, stratum.key)
    previous_title, previous_levels, previous_overall = _previous(diagnosis)
    objectives = _objectives(diagnosis.organisation_id) if extras else {}
    modules, blocks = {}, {}
    if extras:
        modules = _merge_hooks(
            THEME_MODULES_HOOK, organisation_id=diagnosis.organisation_id,
            tags_by_theme={t.theme.slug: list(t.theme.tags or []) for t in view.themes})
    if extras and panels:
        blocks = theme_panels(diagnosis.organisation_id,
                              [(t.theme.slug, t.theme.title) for t in view.themes])
    themes = []
    for t in view.themes:
        slug = t.theme.slug
        level = (diagnosis.theme_levels or {}).get(slug) if diagnosis.is_submitted else t.level
        themes.append(ThemeResult(
            slug=slug, title=t.theme.title, level=level, answered=t.answered, total=t.total,
            stratum=_band(dists.get((stratum.key, slug))),
            everyone=_band(dists.get((ALL_RESPONDENTS, slug))),
            previous=previous_levels.get(slug), objectives=objectives.get(slug, []),
            modules=[m for group in modules.get(slug, []) for m in group],
            panels=blocks.get(slug, [])))
    overall_level = (diagnosis.overall_level if diagnosis.is_submitted
                     else rules.overall_level(t.level for t in themes))
    overall = ThemeResult(
        slug=OVERALL, title=_("Niveau global"), level=overall_level, answered=view.answered,
        total=view.total, stratum=_band(dists.get((stratum.key, OVERALL))),
        everyone=_band(dists.get((ALL_RESPONDENTS, OVERALL))), previous=previous_overall)
    return Results(diagnosis=diagnosis, stratum=stratum, themes=themes, overall=overall,
                   previous_title=previous_title)


def sentence(result: ThemeResult, group_label: str, band: rules.Band) -> str:
    """« Cybersécurité : votre niveau 2,4. La moitié des communes de 3 500 à
    9 999 habitants se situent entre 1,8 et 3,1. » — never a rank."""
    if result.level is None:
        mine = _("%(t)s : pas encore de niveau (aucune affirmation répondue).", t=result.title)
    else:
        mine = _("%(t)s : votre niveau %(l)s.", t=result.title, l=fmt(result.level))
    if not band.shown:
        return f"{mine} " + _("Pas encore assez de réponses pour comparer : %(n)d sur %(m)d.",
                              n=band.n, m=rules.MIN_GROUP)
    return f"{mine} " + _("La moitié des %(g)s se situent entre %(a)s et %(b)s (médiane %(m)s).",
                          g=group_label, a=fmt(band.q1), b=fmt(band.q3), m=fmt(band.median))
