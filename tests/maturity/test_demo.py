"""The demo: Beaumont-sur-Lys sees a real positioning, its elected official the
dashboard block, and the 2025 observatory is public."""

from sqlalchemy import select

from change_portal.accounts import demo
from change_portal.extensions import db
from change_portal.maturity.models import Assignment, Diagnosis, Edition
from tests import factories


def _user(email):
    return db.session.scalar(select(factories.User).where(factories.User.email == email))


def test_demo_diagnosis_positioning_dashboard_and_observatory(client):
    org = demo.load()
    current = db.session.scalar(select(Edition).where(Edition.slug == "2026"))
    mine = db.session.scalar(select(Diagnosis).where(Diagnosis.organisation_id == org.id,
                                                     Diagnosis.edition_id == current.id))
    assert not mine.is_submitted
    assignment = db.session.scalar(select(Assignment).where(Assignment.diagnosis_id == mine.id))
    assert assignment.user.full_name == "Thomas Girard" and assignment.theme.slug == \
        "cybersecurite"
    factories.log_in(client, _user("sophie.martin@demo.example"))
    overview = client.get(f"/maturite/diagnostic/{mine.id}").get_data(as_text=True)
    assert "33 affirmations répondues sur 37" in overview and "Thomas Girard" in overview
    results = client.get(f"/maturite/diagnostic/{mine.id}/resultats").get_data(as_text=True)
    assert "La moitié des communes de 3 500 à 9 999 habitants se situent entre" in results
    assert "Évolution depuis « Édition 2025 »" in results
    assert "Former tous les agents au hameçonnage" in results  # linked objective
    factories.log_in(client, _user("claire.moreau@demo.example"))
    dashboard = client.get("/feuille-de-route/tableau-de-bord").get_data(as_text=True)
    assert "Maturité numérique : Édition 2025" in dashboard
    assert "Voir les résultats détaillés" in dashboard
    assert client.get("/observatoire/2025").status_code == 200
    assert client.get("/api/v1/observatoire/2026").status_code == 404  # still open
