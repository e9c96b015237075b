"""How collectivités are grouped to compare like with like: kind × population band
(the *strate*), and the region they belong to.

Pure functions and constants: the observatory (maturity) and the experience
sharing (sharing) both group collectivités this way, so it lives with the tenants.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from change_portal.core.labels import label
from change_portal.organisations.models import (  # noqa: F401 - REGIONS re-exported
    KIND_LABELS,
    REGION_NAMES,
    REGIONS,
    OrganisationKind,
)


@dataclass(frozen=True)
class PopulationBand:
    slug: str
    low: int  # inclusive
    high: int | None  # exclusive; None = no upper bound
    label: object  # lazy string, on its own: « 3 500 à 9 999 habitants »
    phrase: object  # lazy string, after a noun: « (communes) de 3 500 à 9 999 habitants »


# The bands used by French statistics on local authorities: the 3,500 threshold
# changes the electoral system, 10,000 / 50,000 / 100,000 mark city sizes.
POPULATION_BANDS: tuple[PopulationBand, ...] = (
    PopulationBand("moins-3500", 0, 3_500, _l("moins de 3 500 habitants"),
                   _l("de moins de 3 500 habitants")),
    PopulationBand("3500-9999", 3_500, 10_000, _l("3 500 à 9 999 habitants"),
                   _l("de 3 500 à 9 999 habitants")),
    PopulationBand("10000-49999", 10_000, 50_000, _l("10 000 à 49 999 habitants"),
                   _l("de 10 000 à 49 999 habitants")),
    PopulationBand("50000-99999", 50_000, 100_000, _l("50 000 à 99 999 habitants"),
                   _l("de 50 000 à 99 999 habitants")),
    PopulationBand("100000-plus", 100_000, None, _l("100 000 habitants et plus"),
                   _l("de 100 000 habitants et plus")),
)
BANDS_BY_SLUG = {band.slug: band for band in POPULATION_BANDS}


def population_band(population: int) -> PopulationBand:
    """The band a population falls in (a negative figure counts as 0)."""
    for band in POPULATION_BANDS:
        if band.high is None or population < band.high:
            return band
    return POPULATION_BANDS[-1]  # pragma: no cover - the last band has no upper bound


def band_label(slug: str) -> str:
    band = BANDS_BY_SLUG.get(slug)
    return str(band.label) if band else slug


@dataclass(frozen=True)
class Stratum:
    """A comparison group: one kind of collectivité in one population band."""

    kind: str
    band: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.band}"

    @property
    def label(self) -> str:
        """« communes de 3 500 à 9 999 habitants »."""
        band = BANDS_BY_SLUG.get(self.band)
        phrase = str(band.phrase) if band else self.band
        return f"{STRATUM_KIND_PLURALS.get(self.kind, self.kind)} {phrase}"


# Plural forms used to name a group in a sentence.
STRATUM_KIND_PLURALS = {
    OrganisationKind.COMMUNE.value: _l("communes"),
    OrganisationKind.INTERCOMMUNALITE.value: _l("intercommunalités"),
    OrganisationKind.DEPARTEMENT.value: _l("départements"),
    OrganisationKind.REGION.value: _l("régions"),
}


def stratum_of(kind: str, population: int) -> Stratum:
    """The comparison group of a collectivité of this kind and population."""
    return Stratum(kind=kind, band=population_band(population).slug)


def kind_label(kind: str) -> str:
    return label(KIND_LABELS, kind)


def region_name(code: str | None) -> str:
    return REGION_NAMES.get(code or "", "")
