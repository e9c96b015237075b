"""The catalogue for every collectivité: cards, filters, French full-text search,
sorting, "ça nous intéresse" (one per collectivité)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError
from change_portal.extensions import db
from change_portal.sharing import services
from change_portal.sharing.models import FicheInterest
from tests import factories
from tests.sharing.factories import published_fiche


@pytest.fixture
def fiches(org, other_org):
    third = factories.create_organisation(slug="agglo-c", name="Agglo C",
                                          kind="intercommunalite", population=60_000)
    a = published_fiche(org, title="Prise de rendez-vous en ligne",
                        themes=["relation-usagers"],
                        summary="Les démarches d'état civil se font en ligne.")
    b = published_fiche(third, title="Inventaire des données", themes=["donnees"],
                        repo_url="https://forge.exemple.fr/inventaire",
                        summary="Un catalogue des jeux de données.")
    return {"a": a, "b": b, "third": third}


def _titles(client, query=""):
    html = client.get("/retours-experience/" + query).get_data(as_text=True)
    return {t for t in ("Prise de rendez-vous en ligne", "Inventaire des données")
            if t in html}


def test_every_collectivite_sees_published_cards(client, other_org, login_as, fiches):
    login_as(factories.create_user(other_org, ["agent"]))
    html = client.get("/retours-experience/").get_data(as_text=True)
    assert "Prise de rendez-vous en ligne" in html and "Ville A" in html
    assert "Rendez-vous pris en ligne : 10 → 55 %" in html  # results in one line
    assert "3 500 à 9 999 habitants" in html


def test_filters(client, other_org, login_as, fiches):
    login_as(factories.create_user(other_org, ["agent"]))
    assert _titles(client, "?theme=donnees") == {"Inventaire des données"}
    assert _titles(client, "?type=commune") == {"Prise de rendez-vous en ligne"}
    assert _titles(client, "?taille=50000-99999") == {"Inventaire des données"}
    assert _titles(client, "?code=1") == {"Inventaire des données"}
    assert len(_titles(client, "?theme=pas-un-theme&type=zzz")) == 2  # unknown: ignored


def test_french_search_accents_and_plurals(client, other_org, login_as, fiches):
    login_as(factories.create_user(other_org, ["agent"]))
    assert _titles(client, "?q=demarche+etat+civil") == {"Prise de rendez-vous en ligne"}
    assert _titles(client, "?q=Données") == {"Inventaire des données"}
    assert _titles(client, "?q=introuvablexyz") == set()
    assert _titles(client, "?q=%22%27%3B--") == set()  # no searchable word, no error


def test_unpublished_leaves_catalogue_and_search(client, org, other_org, login_as, fiches):
    admin = factories.create_user(org, ["admin"])
    services.unpublish(admin, fiches["a"])
    login_as(factories.create_user(other_org, ["agent"]))
    assert _titles(client) == {"Inventaire des données"}
    assert _titles(client, "?q=civil") == set()
    assert client.get(f"/retours-experience/{fiches['a'].id}").status_code == 404


def test_interest_one_per_collectivite_and_sort(client, org, other_org, login_as, fiches):
    b = fiches["b"]
    login_as(factories.create_user(other_org, ["agent"]))
    client.post(f"/retours-experience/{b.id}/interet")
    second = factories.create_user(other_org, ["elected"])
    with pytest.raises(DomainError):
        services.toggle_interest(factories.create_user(fiches["third"], ["agent"]), b)
    login_as(second)
    page = client.get(f"/retours-experience/{b.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page  # the collectivité already marked it
    assert db.session.scalar(select(FicheInterest.organisation_id).where(
        FicheInterest.fiche_id == b.id)) == other_org.id
    db.session.refresh(b)
    assert b.interest_count == 1
    html = client.get("/retours-experience/?tri=interet").get_data(as_text=True)
    assert html.index("Inventaire des données") < html.index("Prise de rendez-vous")
    # the authors see which collectivités are interested
    login_as(factories.create_user(fiches["third"], ["admin"]))
    preview = client.get(f"/retours-experience/fiches/{b.id}/apercu").get_data(as_text=True)
    assert "Ville B" in preview
    # other members do not
    login_as(factories.create_user(org, ["agent"]))
    assert "Ville B" not in client.get(f"/retours-experience/{b.id}").get_data(as_text=True)
    # clicking again withdraws the mark
    login_as(second)
    client.post(f"/retours-experience/{b.id}/interet")
    db.session.refresh(b)
    assert b.interest_count == 0


def test_reindex_command(runner, client, other_org, login_as, fiches):
    result = runner.invoke(args=["sharing", "reindex"])
    assert "2 fiches indexed." in result.output
    login_as(factories.create_user(other_org, ["agent"]))
    assert _titles(client, "?q=inventaire") == {"Inventaire des données"}


def test_maturity_theme_panels_list_others_fiches(app, org, other_org, fiches):
    from change_portal.sharing.hooks import maturity_theme_panels

    with app.test_request_context():
        panels = maturity_theme_panels(organisation_id=other_org.id,
                                       themes=[("donnees", "Données"),
                                               ("relation-usagers", "Relation"),
                                               ("inclusion", "Inclusion")])
        assert "Inventaire des données" in panels["donnees"]
        assert "Prise de rendez-vous en ligne" in panels["relation-usagers"]
        assert "Pas encore de fiche" in panels["inclusion"]
        own = maturity_theme_panels(organisation_id=org.id,
                                    themes=[("relation-usagers", "Relation")])
        assert "Prise de rendez-vous" not in own["relation-usagers"]  # not its own fiche


def test_maturity_theme_panels_show_the_three_latest_per_theme(app, org, other_org, fiches):
    """Bounded per theme: a theme with many fiches shows its 3 most recent, and a
    theme whose fiches are older than every other theme's still gets its own."""
    from datetime import timedelta

    from change_portal.sharing.hooks import maturity_theme_panels
    from change_portal.sharing.queries import published_for_themes

    old = published_fiche(org, title="Ancienne fiche inclusion", themes=["inclusion"])
    old.published_at = old.published_at - timedelta(days=400)
    made = []
    for i in range(5):
        f = published_fiche(org, title=f"Fiche données {i}", themes=["donnees", "strategie"])
        f.published_at = f.published_at + timedelta(minutes=i)
        made.append(f)
    db.session.commit()
    with app.test_request_context():
        rows = published_for_themes(["donnees", "inclusion", "cooperation"],
                                    exclude_organisation_id=other_org.id)
        assert [r.pub_title for r in rows["donnees"]] == [
            "Fiche données 4", "Fiche données 3", "Fiche données 2"]
        assert [r.pub_title for r in rows["inclusion"]] == ["Ancienne fiche inclusion"]
        assert rows["cooperation"] == []
        assert all(r.organisation == org.name for r in rows["donnees"])
        panels = maturity_theme_panels(organisation_id=other_org.id,
                                       themes=[("donnees", "Données")])
        assert "Fiche données 4" in panels["donnees"]
        assert "Fiche données 1" not in panels["donnees"]
        assert org.name in panels["donnees"]


def test_maturity_results_page_shows_others_fiches_per_theme(client, org, other_org,
                                                             login_as, fiches):
    from tests.maturity import factories as mf

    ref = mf.shipped_referential()
    diagnosis = mf.submitted_diagnosis(ref, {"donnees": [2, 3]}, org=other_org,
                                       edition=mf.create_edition(ref), submit=False)
    login_as(factories.create_user(other_org, ["agent"]))
    html = client.get(f"/maturite/diagnostic/{diagnosis.id}/resultats").get_data(as_text=True)
    assert "Inventaire des données" in html  # under « Données »
    assert "/retours-experience/?theme=donnees" in html
    services.unpublish(factories.create_user(fiches["third"], ["admin"]), fiches["b"])
    html = client.get(f"/maturite/diagnostic/{diagnosis.id}/resultats").get_data(as_text=True)
    assert "Inventaire des données" not in html  # unpublished: gone at once
