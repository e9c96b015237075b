"""Journées de partage: the operator creates, collectivités propose a published
fiche, the operator accepts, members attend; a past event keeps its page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db
from change_portal.sharing import events, services
from change_portal.sharing.models import EventProposal, SharingEvent
from tests import factories
from tests.sharing.factories import published_fiche


def test_operator_creates_event_with_markdown_programme(client, login_as):
    login_as("operator")
    bad = client.post("/retours-experience/journees/nouvelle",
                      data={"title": "Journée gardée", "held_on": ""})
    assert bad.status_code == 422 and "Journée gardée" in bad.get_data(as_text=True)
    resp = client.post("/retours-experience/journees/nouvelle", data={
        "title": "Journée d'automne", "held_on": "2031-10-02", "place": "Salle des fêtes",
        "programme": "## Matin\n\n*accueil*\n\n<script>alert(1)</script>"})
    assert resp.status_code == 302
    ev = db.session.scalar(select(SharingEvent))
    assert "<em>accueil</em>" in ev.programme_html and "<script" not in ev.programme_html
    with pytest.raises(DomainError):
        events.save_event(factories.create_user(None, ["operator"]), title="X",
                          held_on=date(2031, 1, 1), online_url="javascript:alert(1)")


def test_propose_accept_attend_and_past_page(client, org, other_org, login_as):
    operator = factories.create_user(None, ["operator"])
    ev = events.save_event(operator, title="Journée", held_on=date.today() + timedelta(days=30))
    admin = factories.create_user(org, ["admin"])
    fiche = published_fiche(org, title="Application GRC maison", admin=admin)
    login_as(admin)
    client.post(f"/retours-experience/journees/{ev.id}/proposer", data={"fiche_id": fiche.id})
    proposal = db.session.scalar(select(EventProposal))
    assert proposal.fiche_id == fiche.id and not proposal.accepted
    # another collectivité cannot propose our fiche
    login_as(factories.create_user(other_org, ["admin"]))
    resp = client.post(f"/retours-experience/journees/{ev.id}/proposer",
                       data={"fiche_id": fiche.id})
    assert resp.status_code == 404
    # accepted by the operator: listed on the event page
    login_as(operator)
    client.post(f"/retours-experience/journees/propositions/{proposal.id}/accepter")
    login_as(factories.create_user(other_org, ["agent"]))
    client.post(f"/retours-experience/journees/{ev.id}/participer")
    html = client.get(f"/retours-experience/journees/{ev.id}").get_data(as_text=True)
    assert "Application GRC maison" in html and "Ville A" in html
    assert events.event_detail(ev, admin)["attendance"] == 1
    # past: the page stays with its fiches
    ev.held_on = date.today() - timedelta(days=300)
    html = client.get(f"/retours-experience/journees/{ev.id}").get_data(as_text=True)
    assert "Application GRC maison" in html and "passée" in html
    with pytest.raises(DomainError):
        events.propose(admin, ev, fiche)
    # an unpublished fiche leaves the event page
    services.unpublish(admin, fiche)
    html = client.get(f"/retours-experience/journees/{ev.id}").get_data(as_text=True)
    assert "Application GRC maison" not in html


def test_only_operator_organises(org):
    with pytest.raises(NotAllowed):
        events.save_event(factories.create_user(org, ["admin"]), title="X",
                          held_on=date(2031, 1, 1))


def test_propose_with_a_malformed_fiche_id_is_404(client, org, login_as):
    operator = factories.create_user(None, ["operator"])
    ev = events.save_event(operator, title="J", held_on=date.today() + timedelta(days=3))
    login_as("admin")
    for raw in ("", "abc", "9" * 30, "-1", "١٢"):
        resp = client.post(f"/retours-experience/journees/{ev.id}/proposer",
                           data={"fiche_id": raw})
        assert resp.status_code == 404, raw
