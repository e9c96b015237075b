"""The retours d'expérience journey in a real Chromium (marked e2e): Thomas prepares
a fiche from a project and previews it, Sophie validates it; a member of another
collectivité finds it by search, marks « Ça nous intéresse », asks a question and
uses « S'en inspirer »; Thomas sees the question and answers it. axe-core audits
every page reached (JavaScript on only: one short journey)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from tests.e2e.conftest import DEMO_PASSWORD, login
from tests.e2e.steps import ADMIN, LEAD, Journey, token

pytestmark = pytest.mark.e2e
PROJECT = "Prise de rendez-vous en ligne pour l'état civil"


def _peer_member(live_server, tok: str) -> str:
    """A project lead of a peer collectivité (the demo's peers have no accounts)."""
    email = f"ines.{tok}@val-d-orgelet.example"
    with live_server.app_context():
        org = db.session.scalars(select(Organisation).where(
            Organisation.slug == "val-d-orgelet")).one()
        accounts.create_user(email=email, full_name=f"Inès Peer {tok}",
                             roles=["agent", "project_lead"], organisation=org,
                             password=DEMO_PASSWORD)
        db.session.commit()
    return email


def test_fiche_prepared_validated_found_and_reused(new_page, browser, live_server):
    j = Journey("sharing", True, browser)
    tok = token()
    title = f"Rendez-vous en ligne, le retour de Beaumont {tok}"

    lead = new_page()
    login(lead, LEAD)
    lead.get_by_role("link", name="Projets", exact=True).click()
    lead.get_by_role("link", name=PROJECT).first.click()
    lead.get_by_role("button", name="Préparer une fiche retour d'expérience").click()
    expect(lead.locator("main")).to_contain_text("La fiche est préparée")
    j.audit(lead, "edit")
    lead.get_by_label("Titre de la fiche").fill(title)
    lead.get_by_label("Difficultés et ce que nous avons appris").fill(
        f"L'accueil craignait de **perdre le contact** ({tok}).")
    lead.get_by_role("group", name="Thèmes").get_by_label(
        "Services aux usagers et relation citoyen").check()
    lead.get_by_role("button", name="Enregistrer et prévisualiser").click()
    expect(lead.locator("main h1").last).to_have_text(title)
    expect(lead.locator("main")).to_contain_text("perdre le contact")
    j.audit(lead, "preview")
    lead.get_by_role("button", name="Soumettre pour validation").click()
    expect(lead.locator("main")).to_contain_text("La fiche est soumise")

    admin = new_page()
    login(admin, ADMIN)
    admin.goto("/retours-experience/nos-fiches")
    j.audit(admin, "our fiches")
    admin.get_by_role("link", name=title).click()
    admin.get_by_role("button", name="Valider et publier").click()
    expect(admin.locator("main")).to_contain_text("La fiche est publiée")

    peer = new_page()
    login(peer, _peer_member(live_server, tok))
    peer.get_by_role("link", name="Retours d'expérience", exact=True).first.click()
    peer.get_by_label("Rechercher").fill(f"retour beaumont {tok}")
    peer.get_by_role("button", name="Filtrer").click()
    j.audit(peer, "catalogue")
    peer.get_by_role("link", name=title).click()
    expect(peer.locator("main")).to_contain_text("Ville de Beaumont-sur-Lys")
    peer.get_by_role("button", name="Ça nous intéresse").click()
    expect(peer.locator("main")).to_contain_text("votre collectivité est intéressée")
    peer.get_by_label("Votre question").fill(f"Combien de motifs au départ ? {tok}")
    peer.get_by_role("button", name="Poser la question").click()
    expect(peer.locator("main")).to_contain_text(f"Combien de motifs au départ ? {tok}")
    j.audit(peer, "fiche")
    peer.get_by_role("button", name="S'en inspirer").click()
    expect(peer.locator("main")).to_contain_text("Inspiré de la fiche de Ville de Beaumont")

    lead.goto("/retours-experience/nos-fiches")
    lead.locator("tr", has_text=title).get_by_role("link").last.click()
    expect(lead.locator("main")).to_contain_text(f"Combien de motifs au départ ? {tok}")
    expect(lead.locator("main")).to_contain_text("Collectivités qui s'en sont inspirées : 1")
    lead.locator("details", has_text="Répondre").last.locator("summary").click()
    lead.get_by_label("Votre réponse").last.fill(f"Six motifs suffisent ({tok}).")
    lead.get_by_role("button", name="Répondre", exact=True).last.click()
    expect(lead.locator("main")).to_contain_text(f"Six motifs suffisent ({tok}).")
    j.finish(lead)
