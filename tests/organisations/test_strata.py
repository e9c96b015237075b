"""Strata: kind × population band, the groups collectivités are compared in."""

from __future__ import annotations

import pytest

from change_portal.organisations.strata import population_band, stratum_of


@pytest.mark.parametrize(("population", "band"), [
    (0, "moins-3500"), (3_499, "moins-3500"), (3_500, "3500-9999"), (9_999, "3500-9999"),
    (10_000, "10000-49999"), (49_999, "10000-49999"), (50_000, "50000-99999"),
    (99_999, "50000-99999"), (100_000, "100000-plus"), (12_000_000, "100000-plus"),
    (-5, "moins-3500"),
])
def test_population_bands_have_inclusive_lower_bounds(population, band):
    assert population_band(population).slug == band


def test_stratum_names_the_group_in_a_sentence(app):
    with app.test_request_context():
        stratum = stratum_of("commune", 6140)
        assert stratum.key == "commune:3500-9999"
        assert stratum.label == "communes de 3 500 à 9 999 habitants"
        assert stratum_of("intercommunalite", 120_000).label == (
            "intercommunalités de 100 000 habitants et plus")
