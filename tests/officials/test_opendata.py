"""The open-data JSON API and public page: shape, public/private, tenant isolation."""

from datetime import date
from pathlib import Path

import yaml

from tests import factories
from tests.roadmap import factories as f


def _roadmap(org):
    axis = f.create_axis(f.create_roadmap(org), title="Données")
    owner = factories.create_user(org, name="Agent Secret")
    obj = f.create_objective(axis, title="Portail open data", owner=owner,
                             target_date=date(2028, 12, 31))
    f.create_indicator(obj, baseline=0, target=20, values=[5, 10], name="Jeux publiés")
    project = f.create_project(org, title="Portail", lead=owner, objectives=[obj])
    f.create_action(project, [obj], title="Atelier données", status="realisee",
                    planned_on=date(2026, 3, 1))
    return obj


def test_published_roadmap_is_public_json_without_names(client, org):
    obj = _roadmap(org)
    org.roadmap_published = True
    resp = client.get(f"/api/v1/organisations/{org.slug}/roadmap")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["roadmap"]["start_year"] == 2026
    axis = doc["axes"][0]
    objective = axis["objectives"][0]
    assert objective["id"] == obj.id
    assert objective["status"] == "en_cours"
    assert objective["target_date"] == "2028-12-31"
    assert objective["progress"] == 50.0
    assert objective["indicators"][0]["values"] == [
        {"date": "2026-01-01", "value": 5.0}, {"date": "2026-01-31", "value": 10.0}]
    action = doc["actions"][0]
    assert action["type"] == "atelier" and action["status"] == "realisee"
    assert action["date"] == "2026-03-01" and action["project"]["title"] == "Portail"
    assert "Agent Secret" not in resp.get_data(as_text=True)
    assert "owner" not in objective


def test_unpublished_roadmap_needs_a_member(client, org, other_org, login_as):
    """Anonymous callers get the same 404 as for an unknown slug (issue 11: a 401
    told them which collectivités exist)."""
    _roadmap(org)
    org.roadmap_published = False
    url = f"/api/v1/organisations/{org.slug}/roadmap"
    resp = client.get(url)
    unknown = client.get("/api/v1/organisations/nulle-part/roadmap")
    assert resp.status_code == unknown.status_code == 404
    assert resp.get_json() == unknown.get_json()
    assert resp.get_json()["error"]["code"] == 404
    stranger = factories.create_user(other_org, ["elected"])
    login_as(stranger)
    resp = client.get(url)
    assert resp.status_code == 404 and resp.is_json
    login_as("agent")
    assert client.get(url).status_code == 200


def test_unknown_collectivite_is_json_404(client):
    resp = client.get("/api/v1/organisations/nulle-part/roadmap")
    assert resp.status_code == 404 and resp.is_json


def test_public_page_404_while_unpublished_and_no_agent_names(client, org):
    _roadmap(org)
    assert client.get(f"/o/{org.slug}/roadmap").status_code == 404
    org.roadmap_published = True
    page = client.get(f"/o/{org.slug}/roadmap").get_data(as_text=True)
    assert "Portail open data" in page
    assert "Feuille de route numérique de la Ville A</h1>" in page  # not "de Ville A"
    assert "Agent Secret" not in page


def test_other_collectivites_data_never_in_the_document(client, org, other_org):
    _roadmap(org)
    f.create_objective(f.create_axis(f.create_roadmap(other_org)), title="Secret de B")
    org.roadmap_published = True
    body = client.get(f"/api/v1/organisations/{org.slug}/roadmap").get_data(as_text=True)
    assert "Secret de B" not in body


def test_document_matches_the_openapi_file(client, org):
    spec = yaml.safe_load((Path(__file__).parents[2] / "openapi" / "roadmap.yaml").read_text())
    schemas = spec["components"]["schemas"]
    _roadmap(org)
    org.roadmap_published = True
    doc = client.get(f"/api/v1/organisations/{org.slug}/roadmap").get_json()

    def check(obj, name):
        assert set(schemas[name]["required"]) <= set(obj), name

    check(doc, "RoadmapDocument")
    check(doc["axes"][0], "Axis")
    check(doc["axes"][0]["objectives"][0], "Objective")
    check(doc["axes"][0]["objectives"][0]["indicators"][0], "Indicator")
    check(doc["actions"][0], "Action")
    enum = schemas["Action"]["properties"]["type"]["enum"]
    assert doc["actions"][0]["type"] in enum


def test_published_roadmaps_are_found_from_the_public_home_and_footer(client, org, other_org):
    org.roadmap_published = True
    other_org.roadmap_published = False
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/donnees-ouvertes"') == 2  # the welcome card and the footer
    page = client.get("/donnees-ouvertes")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'href="/o/{org.slug}/roadmap"' in body
    assert f"/api/v1/organisations/{org.slug}/roadmap" in body
    assert other_org.slug not in body  # unpublished: not listed


def test_open_data_json_is_plain_utf8(client, org):
    _roadmap(org)
    org.roadmap_published = True
    resp = client.get(f"/api/v1/organisations/{org.slug}/roadmap")
    raw = resp.get_data()
    assert "Atelier données".encode() in raw or "Données".encode() in raw
    assert b"\\u00e9" not in raw
    assert resp.mimetype == "application/json"
