"""A collectivité's name after "de", as French contracts it."""

import pytest

from change_portal.organisations.models import of_name


@pytest.mark.parametrize("name, expected", [
    ("Ville de Beaumont-sur-Lys", "de la Ville de Beaumont-sur-Lys"),
    ("Beaumont-sur-Lys", "de Beaumont-sur-Lys"),
    ("Arras", "d'Arras"),
    ("Le Havre", "du Havre"),
    ("Les Sables-d'Olonne", "des Sables-d'Olonne"),
    ("La Rochelle", "de la Rochelle"),
    ("Département du Nord", "du Département du Nord"),
    ("Région Hauts-de-France", "de la Région Hauts-de-France"),
    ("Agglomération du Grand Val", "de l'Agglomération du Grand Val"),
    ("Communauté de communes du Val", "de la Communauté de communes du Val"),
    ("L'Haÿ-les-Roses", "de L'Haÿ-les-Roses"),
])
def test_of_name(name, expected):
    assert of_name(name) == expected
