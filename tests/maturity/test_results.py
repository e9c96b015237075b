"""Results: positioning without ranking (rule of 5), sentences, chart and table,
evolution, links to objectives and modules, CSV, the theme hook."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core import registry
from change_portal.extensions import db
from change_portal.maturity import jobs
from change_portal.maturity.models import Distribution
from tests import factories
from tests.maturity import factories as mf

PEER_LEVELS = [1, 2, 3, 4, 5]  # cybersecurite level of each peer


def _peers(ref, edition, count, population=5000):
    for i in range(count):
        peer = factories.create_organisation(population=population)
        d = mf.submitted_diagnosis(ref, {"cybersecurite": [PEER_LEVELS[i % 5]] * 4,
                                         "donnees": [2, 2, 2, 2]}, org=peer, edition=edition)
        d.theme_levels = {"cybersecurite": float(PEER_LEVELS[i % 5]), "donnees": 2.0}
        d.overall_level = (PEER_LEVELS[i % 5] + 2.0) / 2
        d.stratum_kind, d.stratum_band = "commune", "3500-9999"
    jobs.refresh_distributions(edition.id)


@pytest.fixture
def setting(db, org):
    ref = mf.shipped_referential()
    edition = mf.create_edition(ref, title="Édition 2026")
    mine = mf.submitted_diagnosis(ref, {"cybersecurite": [2, 3, 2, None]}, org=org,
                                  edition=edition, submit=False)
    return ref, edition, mine


def test_five_peers_give_a_band_and_a_sentence(client, login_as, setting):
    ref, edition, mine = setting
    _peers(ref, edition, 5)
    login_as("elected")
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert ("Cybersécurité : votre niveau 2,3. La moitié des communes de 3 500 à 9 999 "
            "habitants se situent entre 2,0 et 4,0 (médiane 3,0).") in html
    assert "<svg" in html and "<table" in html  # chart and the same figures as a table
    assert "1 affirmation(s) sans réponse" in html
    for forbidden in ("rang", "classement :", "minimum :", "maximum :", "percentile"):
        assert forbidden not in html.lower().replace("jamais de classement", "")


def test_four_peers_are_not_enough(client, login_as, setting):
    ref, edition, mine = setting
    _peers(ref, edition, 4)
    assert db.session.scalar(select(Distribution.median).where(
        Distribution.group_key == "all", Distribution.theme_slug == "cybersecurite")) is None
    login_as("agent")
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "Pas encore assez de réponses pour comparer : 4 sur 5." in html
    assert "se situent entre" not in html


def test_other_strata_do_not_count_in_mine(client, login_as, setting):
    ref, edition, mine = setting
    _peers(ref, edition, 3)
    for _ in range(3):
        big = factories.create_organisation(population=150_000)
        d = mf.submitted_diagnosis(ref, {"cybersecurite": [5]}, org=big, edition=edition)
        d.theme_levels, d.overall_level = {"cybersecurite": 5.0}, 5.0
        d.stratum_kind, d.stratum_band = "commune", "100000-plus"
    jobs.refresh_distributions(edition.id)
    login_as("agent")
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "3 sur 5" in html  # my stratum: 3
    assert "Parmi tous les répondants, la moitié se situent entre" in html  # all: 6


def test_evolution_since_previous_edition(client, org, login_as):
    ref = mf.shipped_referential()
    before = mf.create_edition(ref, status="closed", title="Édition 2025")
    old = mf.submitted_diagnosis(ref, {"cybersecurite": [1, 1, 1, 1]}, org=org, edition=before)
    old.theme_levels, old.overall_level = {"cybersecurite": 1.0}, 1.0
    now = mf.create_edition(ref)
    mine = mf.submitted_diagnosis(ref, {"cybersecurite": [3, 3, 3, 3]}, org=org, edition=now,
                                  submit=False)
    login_as("agent")
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "Évolution depuis « Édition 2025 »" in html and "+2,0" in html


def test_linked_objectives_modules_and_hook(client, org, login_as, setting, monkeypatch):
    from tests.roadmap import factories as rf

    ref, edition, mine = setting
    objective = rf.create_objective(rf.create_axis(rf.create_roadmap(org)),
                                    title="Sauvegarder hors site")
    login_as("admin")
    resp = client.post(f"/maturite/diagnostic/{mine.id}/objectifs",
                       data={"theme_slug": "cybersecurite", "objective_id": objective.id})
    assert resp.status_code == 302

    def panel(themes, organisation_id):
        assert organisation_id == org.id and ("cybersecurite", "Cybersécurité") in themes
        return {"cybersecurite": Markup("<p>Fiche partagée : sauvegardes</p>"),
                "donnees": "<script>not markup</script>"}

    monkeypatch.setitem(registry._HOOKS, "maturity.theme_panels", [(50, panel)])
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "Sauvegarder hors site" in html
    assert "<p>Fiche partagée : sauvegardes</p>" in html
    assert "<script>not markup</script>" not in html


def test_csv_of_own_results(client, login_as, setting):
    ref, edition, mine = setting
    _peers(ref, edition, 5)
    login_as("agent")
    resp = client.get(f"/maturite/diagnostic/{mine.id}/resultats.csv")
    text = resp.get_data(as_text=True)
    assert resp.mimetype == "text/csv"
    line = next(row for row in text.splitlines() if row.startswith("Cybersécurité"))
    assert line.split(";")[:4] == ["Cybersécurité", "2.3", "3", "4"]
    assert line.split(";")[5:9] == ["5", "2.0", "3.0", "4.0"]


def test_objective_prefilled_from_a_theme(client, org, other_org, login_as, setting):
    from change_portal.maturity.models import ThemeObjective
    from change_portal.roadmap.models import Objective
    from tests.roadmap import factories as rf

    _ref, _edition, mine = setting
    axis = rf.create_axis(rf.create_roadmap(org))
    theirs = rf.create_axis(rf.create_roadmap(other_org))
    login_as("admin")
    page = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "Créer un objectif pré-rempli" in page
    url = f"/maturite/diagnostic/{mine.id}/themes/cybersecurite/objectif"
    resp = client.post(url, data={"axis_id": theirs.id}, follow_redirects=True)
    assert "Choisissez un axe de votre feuille de route." in resp.get_data(as_text=True)
    assert db.session.scalar(select(Objective).where(Objective.axis_id == theirs.id)) is None
    resp = client.post(url, data={"axis_id": axis.id})
    assert resp.status_code == 302 and "/modifier" in resp.headers["Location"]
    objective = db.session.scalar(select(Objective).where(Objective.axis_id == axis.id))
    assert objective.title == "Cybersécurité : atteindre le niveau 3"  # from 2.3
    assert db.session.scalar(select(ThemeObjective.objective_id).where(
        ThemeObjective.theme_slug == "cybersecurite")) == objective.id


def test_link_refuses_another_collectivites_objective(client, org, other_org, login_as,
                                                     setting):
    from change_portal.maturity.models import ThemeObjective
    from tests.roadmap import factories as rf

    _ref, _edition, mine = setting
    theirs = rf.create_objective(rf.create_axis(rf.create_roadmap(other_org)))
    login_as("admin")
    client.post(f"/maturite/diagnostic/{mine.id}/objectifs",
                data={"theme_slug": "cybersecurite", "objective_id": theirs.id})
    assert db.session.scalar(select(ThemeObjective)) is None


def test_results_in_english(client, login_as, setting):
    ref, edition, mine = setting
    _peers(ref, edition, 5)
    login_as("agent")
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    html = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "Cybersécurité: your level 2.3. Half of the" in html
    assert "between 2.0 and 4.0 (median 3.0)" in html
