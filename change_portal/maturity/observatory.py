"""The observatory of a closed edition: aggregates only.

Built from the precomputed distributions. The rule of 5 applies everywhere:
a group (a stratum, all respondents) with fewer than 5 submitted diagnoses
shows neither its quartiles nor its count; there is never a minimum, a
maximum, a name or a rank. Shown only once the edition is closed, so that
nobody can difference two snapshots to isolate one collectivité.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import select

from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity.models import (
    ALL_RESPONDENTS,
    OVERALL,
    Distribution,
    Edition,
    EditionStatus,
    Theme,
)
from change_portal.organisations.strata import (
    BANDS_BY_SLUG,
    POPULATION_BANDS,
    STRATUM_KIND_PLURALS,
    Stratum,
)


@dataclass
class GroupFigures:
    key: str
    label: str
    band: rules.Band


@dataclass
class ThemeFigures:
    slug: str
    title: str
    everyone: rules.Band
    strata: list[GroupFigures] = field(default_factory=list)
    previous_median: float | None = None

    @property
    def change(self) -> float | None:
        if self.previous_median is None or not self.everyone.shown:
            return None
        return rules.one_decimal(self.everyone.median - self.previous_median)


@dataclass
class Observatory:
    edition: Edition
    respondents: int | None  # None under the rule of 5
    participation: list[GroupFigures]
    hidden_strata: int  # strata with 1 to 4 respondents (shown without a count)
    themes: list[ThemeFigures]
    overall: ThemeFigures
    previous: Edition | None

    @property
    def most_mature(self) -> list[ThemeFigures]:
        shown = [t for t in self.themes if t.everyone.shown]
        if not shown:
            return []
        top = max(t.everyone.median for t in shown)
        return [t for t in shown if t.everyone.median == top]

    @property
    def least_mature(self) -> list[ThemeFigures]:
        shown = [t for t in self.themes if t.everyone.shown]
        if not shown:
            return []
        low = min(t.everyone.median for t in shown)
        return [t for t in shown if t.everyone.median == low]


def _band(row) -> rules.Band:
    if row is None or row.n < rules.MIN_GROUP:
        return rules.Band(n=0)  # the count itself is hidden under 5
    return rules.Band(n=row.n, q1=row.q1, median=row.median, q3=row.q3)


def _stratum_order(key: str) -> tuple:
    kind, _sep, band = key.partition(":")
    kinds = list(STRATUM_KIND_PLURALS)
    bands = [b.slug for b in POPULATION_BANDS]
    return (kinds.index(kind) if kind in kinds else 99,
            bands.index(band) if band in bands else 99)


def _label(key: str) -> str:
    kind, _sep, band = key.partition(":")
    if band not in BANDS_BY_SLUG:
        return key
    return _stratum_label(kind, band, str(get_locale() or "fr"))


@lru_cache(maxsize=256)
def _stratum_label(kind: str, band: str, locale: str) -> str:
    # Keyed by locale: the label translates two lazy strings, and at full scale
    # the page names every stratum (a few dozen at most: kinds × bands).
    return Stratum(kind, band).label


def build(edition: Edition) -> Observatory | None:
    """The observatory of `edition`, or None while it is open."""
    if edition.status != EditionStatus.CLOSED:
        return None
    # Plain rows, not entities: every (group, theme) of the edition is read and
    # only these five figures are used.
    rows = {(r.group_key, r.theme_slug): r for r in db.session.execute(
        select(Distribution.group_key, Distribution.theme_slug, Distribution.n,
               Distribution.q1, Distribution.median, Distribution.q3)
        .where(Distribution.edition_id == edition.id))}
    previous = db.session.scalar(
        select(Edition).where(Edition.id < edition.id, Edition.status == EditionStatus.CLOSED)
        .order_by(Edition.id.desc()).limit(1))
    previous_medians = {}
    if previous is not None:
        previous_medians = {r.theme_slug: r.median for r in db.session.scalars(
            select(Distribution).where(Distribution.edition_id == previous.id,
                                       Distribution.group_key == ALL_RESPONDENTS,
                                       Distribution.n >= rules.MIN_GROUP))}
    strata = sorted({g for g, s in rows if g != ALL_RESPONDENTS and s == OVERALL},
                    key=_stratum_order)
    shown_strata = [g for g in strata if _band(rows.get((g, OVERALL))).shown]
    themes = db.session.execute(
        select(Theme.slug, Theme.title).where(Theme.referential_id == edition.referential_id)
        .order_by(Theme.position, Theme.id)).all()

    # Each label once (a lazy translation per call), not once per theme × stratum:
    # at full scale every stratum is shown, so the cells grow with the strata.
    labels = {g: _label(g) for g in shown_strata}

    def figures(slug: str, title: str) -> ThemeFigures:
        return ThemeFigures(
            slug=slug, title=title, everyone=_band(rows.get((ALL_RESPONDENTS, slug))),
            strata=[GroupFigures(g, labels[g], _band(rows.get((g, slug))))
                    for g in shown_strata],
            previous_median=previous_medians.get(slug))

    everyone = _band(rows.get((ALL_RESPONDENTS, OVERALL)))
    return Observatory(
        edition=edition, respondents=everyone.n if everyone.shown else None,
        participation=[GroupFigures(g, labels[g], _band(rows.get((g, OVERALL))))
                       for g in shown_strata],
        hidden_strata=len(strata) - len(shown_strata),
        themes=[figures(slug, title) for slug, title in themes],
        overall=figures(OVERALL, "Niveau global"), previous=previous)


@dataclass
class StratumTable:
    label: str
    #: (theme title, median, "q1 – q3"); the figures are None under the rule of 5
    rows: list[tuple[str, str | None, str | None]]


def stratum_tables(obs: Observatory | None, fmt: Callable[[float | None], str]
                   ) -> list[StratumTable]:
    """The table of each shown stratum, figures already formatted with `fmt`.

    At full scale every stratum is shown (kinds × bands), so these cells are
    most of the page: formatting them here, in one pass, keeps the template's
    per-cell work to printing strings."""
    if obs is None:
        return []
    tables = []
    for i, group in enumerate(obs.participation):
        rows = []
        for t in obs.themes:
            b = t.strata[i].band  # t.strata follows obs.participation's order
            if b.shown:
                rows.append((t.title, fmt(b.median), f"{fmt(b.q1)} – {fmt(b.q3)}"))
            else:
                rows.append((t.title, None, None))
        tables.append(StratumTable(group.label, rows))
    return tables


def _band_json(b: rules.Band) -> dict | None:
    return {"q1": b.q1, "median": b.median, "q3": b.q3} if b.shown else None


def document(obs: Observatory) -> dict:
    """The open-data JSON (GET /api/v1/observatoire/<edition>)."""
    e = obs.edition

    def theme_json(t: ThemeFigures) -> dict:
        return {
            "slug": t.slug, "title": t.title, "all_respondents": _band_json(t.everyone),
            "by_stratum": [{"stratum": g.key, "label": g.label, **(_band_json(g.band) or {})}
                           for g in t.strata if g.band.shown],
            "median_change_since_previous_edition": t.change,
        }

    return {
        "edition": {"slug": e.slug, "title": e.title, "opens_on": e.opens_on.isoformat(),
                    "closes_on": e.closes_on.isoformat(),
                    "referential": {"slug": e.referential.slug,
                                    "version": e.referential.version,
                                    "label": e.referential.label}},
        "rule": {"minimum_group_size": rules.MIN_GROUP,
                 "statistics": "median and quartiles only; no minimum, maximum, rank or name"},
        "participation": {
            "respondents": obs.respondents,
            "by_stratum": [{"stratum": g.key, "label": g.label, "respondents": g.band.n}
                           for g in obs.participation],
            "strata_below_minimum": obs.hidden_strata,
        },
        "overall": theme_json(obs.overall),
        "themes": [theme_json(t) for t in obs.themes],
        "most_mature_themes": [t.slug for t in obs.most_mature],
        "least_mature_themes": [t.slug for t in obs.least_mature],
        "previous_edition": obs.previous.slug if obs.previous else None,
    }
