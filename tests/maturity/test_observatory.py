"""The observatory: only for a closed edition, public once published,
aggregates only with the rule of 5, no minimum or maximum, evolution."""

from __future__ import annotations

import json

import pytest

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.maturity import jobs
from tests import factories
from tests.maturity import factories as mf


def _respondents(ref, edition, levels, *, population=5000):
    for level in levels:
        org = factories.create_organisation(population=population)
        d = mf.submitted_diagnosis(ref, {"cybersecurite": [int(level)]}, org=org,
                                   edition=edition)
        band = "3500-9999" if population < 10_000 else "100000-plus"
        d.theme_levels = {"cybersecurite": level, "donnees": 1.0}
        d.overall_level = level
        d.stratum_kind, d.stratum_band = "commune", band
    jobs.refresh_distributions(edition.id)


@pytest.fixture
def editions(db):
    ref = mf.shipped_referential()
    first = mf.create_edition(ref, status="closed", slug="2025", title="Édition 2025")
    _respondents(ref, first, [1.0, 1.0, 2.0, 2.0, 2.0])
    second = mf.create_edition(ref, status="closed", slug="2026", title="Édition 2026")
    _respondents(ref, second, [2.0, 2.5, 3.0, 3.5, 4.0, 0.2])
    _respondents(ref, second, [4.5, 4.6, 4.7], population=200_000)  # a group of 3
    return first, second


def test_public_only_once_published_and_closed(client, editions):
    _first, second = editions
    assert client.get("/observatoire/2026").status_code == 404
    assert client.get("/api/v1/observatoire/2026").status_code == 404
    second.published_at = utcnow()
    assert client.get("/observatoire/2026").status_code == 200
    second.status = "open"  # reopened by mistake: never public while open
    assert client.get("/api/v1/observatoire/2026").status_code == 404
    assert client.get("/api/v1/observatoire/" + "x" * 100).status_code == 404


def test_json_aggregates_with_rule_of_five(client, editions):
    first, second = editions
    first.published_at = second.published_at = utcnow()
    resp = client.get("/api/v1/observatoire/2026")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    doc = resp.get_json()
    assert doc["participation"]["respondents"] == 9
    assert doc["participation"]["by_stratum"] == [
        {"stratum": "commune:3500-9999", "label": "communes de 3 500 à 9 999 habitants",
         "respondents": 6}]
    assert doc["participation"]["strata_below_minimum"] == 1  # the group of 3: no count
    cyber = next(t for t in doc["themes"] if t["slug"] == "cybersecurite")
    assert cyber["by_stratum"] == [{"stratum": "commune:3500-9999",
                                    "label": "communes de 3 500 à 9 999 habitants",
                                    "q1": 2.1, "median": 2.8, "q3": 3.4}]
    assert cyber["median_change_since_previous_edition"] == 1.5  # 3.5 (all 9) - 2.0
    assert doc["most_mature_themes"] == ["cybersecurite"]
    assert doc["least_mature_themes"] == ["donnees"]
    text = json.dumps(doc)
    for forbidden in ('"min":', '"max":', '"maximum":', '"minimum":', "4.7", "0.2",
                      '"n"', '"name"', '"organisation'):
        assert forbidden not in text, forbidden


def test_operator_page_waits_for_the_close(client, login_as, editions):
    ref = editions[0].referential
    open_edition = mf.create_edition(ref, slug="2027")
    _respondents(ref, open_edition, [1.0, 2.0, 3.0, 4.0, 5.0])
    login_as("operator")
    html = client.get(f"/plateforme/maturite/editions/{open_edition.id}/observatoire") \
        .get_data(as_text=True)
    assert "après sa clôture" in html and "Médiane" not in html
    html = client.get(f"/plateforme/maturite/editions/{editions[1].id}/observatoire") \
        .get_data(as_text=True)
    assert "9 collectivités ont soumis" in html and "4,7" not in html and "0,2" not in html


def test_publish_refused_while_open(client, login_as, editions):
    open_edition = mf.create_edition(editions[0].referential, slug="2028")
    login_as("operator")
    client.post(f"/plateforme/maturite/editions/{open_edition.id}/publication",
                data={"published": "y"})
    assert db.session.get(type(open_edition), open_edition.id).published_at is None
    client.post(f"/plateforme/maturite/editions/{editions[1].id}/publication",
                data={"published": "y"})
    assert editions[1].published_at is not None


def test_document_matches_the_openapi_file(client, editions):
    from pathlib import Path

    import yaml

    spec = yaml.safe_load((Path(__file__).parents[2] / "openapi" / "roadmap.yaml").read_text())
    assert "/api/v1/observatoire/{edition}" in spec["paths"]
    schemas = spec["components"]["schemas"]
    editions[1].published_at = utcnow()
    doc = client.get("/api/v1/observatoire/2026").get_json()
    assert set(schemas["ObservatoryDocument"]["required"]) <= set(doc)
    assert set(doc) <= set(schemas["ObservatoryDocument"]["properties"])
    theme = doc["themes"][0]
    assert set(theme) == set(schemas["ObservatoryTheme"]["properties"])
    assert set(doc["overall"]["all_respondents"]) == {"q1", "median", "q3"}


def test_stratum_tables_one_per_shown_stratum(client, app, editions):
    """The per-stratum tables: only the strata of 5 or more, each theme once,
    figures formatted, « moins de 5 réponses » where a theme has too few levels."""
    from change_portal.maturity import observatory as obs_mod
    from change_portal.maturity.results import formatter

    editions[1].published_at = utcnow()
    db.session.commit()
    with app.test_request_context():
        obs = obs_mod.build(editions[1])
        tables = obs_mod.stratum_tables(obs, formatter())
    assert [t.label for t in tables] == ["communes de 3 500 à 9 999 habitants"]
    rows = {title: (median, middle) for title, median, middle in tables[0].rows}
    assert len(rows) == len(obs.themes)
    assert rows["Données et ouverture des données"] == ("1,0", "1,0 – 1,0")
    assert [v for v in rows.values() if v == (None, None)]  # themes nobody answered
    assert obs_mod.stratum_tables(None, formatter()) == []
    html = client.get("/observatoire/2026").get_data(as_text=True)
    assert "<h3>Communes de 3 500 à 9 999 habitants</h3>" in html
    assert "100 000 habitants et plus</h3>" not in html  # a group of 3: no table
    assert "moins de 5 réponses" in html
