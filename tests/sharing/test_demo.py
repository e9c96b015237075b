"""The demo: peer fiches across themes, Beaumont-sur-Lys's fiche from its project,
a past and an upcoming event, questions and answers."""

from datetime import date

from sqlalchemy import func, select

from change_portal.accounts import demo
from change_portal.extensions import db
from change_portal.sharing.models import EventProposal, Fiche, FicheQuestion, SharingEvent
from tests import factories


def test_demo_shares_fiches_events_and_questions(client):
    org = demo.load()
    fiches = db.session.scalars(select(Fiche).where(Fiche.published.is_(True))).all()
    peers = [f for f in fiches if f.organisation_id != org.id]
    assert len(peers) >= 8
    themes = {t for f in peers for t in f.published_content["themes"]}
    assert len(themes) >= 8
    ours = next(f for f in fiches if f.organisation_id == org.id)
    assert ours.project_id is not None and ours.title.startswith("Prise de rendez-vous")
    assert ours.published_content["results"] and ours.published_content["involvement"]
    today = date.today()
    held = sorted(e.held_on for e in db.session.scalars(select(SharingEvent)))
    assert held[0] < today < held[-1]
    assert db.session.scalar(select(func.count(EventProposal.id))) >= 5
    assert db.session.scalar(select(func.count(FicheQuestion.id))) >= 3
    thomas = db.session.scalar(select(factories.User).where(
        factories.User.email == "thomas.girard@demo.example"))
    factories.log_in(client, thomas)
    html = client.get("/retours-experience/?q=relation+citoyen").get_data(as_text=True)
    assert "Un outil de relation citoyen fait maison" in html
    assert client.get(f"/retours-experience/{peers[0].id}").status_code == 200
