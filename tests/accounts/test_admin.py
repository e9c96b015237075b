"""Admins manage services and users; invitations go through the job queue."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

from sqlalchemy import select

from change_portal.accounts.models import Invitation, User
from change_portal.core.audit import AuditEvent
from change_portal.extensions import db
from tests import factories
from tests.mailbox import text_of


def _invite(client, **overrides):
    data = {"full_name": "Lucie Bernard", "email": "lucie.bernard@ville-a.fr",
            "service_id": "0", "roles": ["agent"], **overrides}
    return client.post("/admin/utilisateurs/inviter", data=data)


def _link_from_outbox(outbox):
    files = sorted(outbox.glob("invitation-*.eml"))
    assert len(files) == 1
    msg = message_from_bytes(files[0].read_bytes())
    body = text_of(files[0])
    return msg, re.search(r"http://\S+/invitation/(\S+)", body).group(1)


def test_invite_then_accept_then_land_on_home(app, client, org, login_as, outbox):
    login_as("admin")
    service = factories.create_service(org, "Urbanisme")
    resp = _invite(client, service_id=str(service.id), roles=["agent", "trainer"])
    assert resp.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "lucie.bernard@ville-a.fr")).one()
    assert user.service_id == service.id
    assert {r.role for r in user.roles} == {"agent", "trainer"}
    assert user.password_hash is None
    msg, token = _link_from_outbox(outbox)
    assert msg["To"] == "lucie.bernard@ville-a.fr"
    # the admin sees the link too when no SMTP server is configured
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert token in page
    invitee = app.test_client()
    form = invitee.get(f"/invitation/{token}")
    assert form.status_code == 200 and "Activer mon compte" in form.get_data(as_text=True)
    resp = invitee.post(f"/invitation/{token}",
                        data={"password": "ma phrase de passe à moi", "confirm":
                              "ma phrase de passe à moi"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/accueil")
    assert "Bonjour Lucie Bernard" in invitee.get("/accueil").get_data(as_text=True)
    # the link is single use
    again = app.test_client().get(f"/invitation/{token}")
    assert again.status_code == 410
    assert "déjà servi" in again.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user_invited", "invitation_accepted"} <= actions


def test_expired_invitation_is_refused(app, client, org, login_as, outbox):
    login_as("admin")
    _invite(client)
    _, token = _link_from_outbox(outbox)
    inv = db.session.scalars(select(Invitation)).one()
    inv.expires_at = inv.created_at - timedelta(seconds=1)
    db.session.flush()
    resp = app.test_client().get(f"/invitation/{token}")
    assert resp.status_code == 410
    assert "expiré" in resp.get_data(as_text=True)


def test_tampered_or_replaced_links_are_refused(app, client, org, login_as, outbox):
    login_as("admin")
    _invite(client)
    _, token = _link_from_outbox(outbox)
    assert app.test_client().get(f"/invitation/{token[:-2]}xx").status_code == 410
    user = db.session.scalars(select(User).where(User.email == "lucie.bernard@ville-a.fr")).one()
    client.post(f"/admin/utilisateurs/{user.id}/reinviter")
    resp = app.test_client().get(f"/invitation/{token}")
    assert resp.status_code == 410
    assert "remplacé" in resp.get_data(as_text=True)


def test_invitation_weak_password_re_renders(app, client, org, login_as, outbox):
    login_as("admin")
    _invite(client)
    _, token = _link_from_outbox(outbox)
    resp = app.test_client().post(f"/invitation/{token}",
                                  data={"password": "court", "confirm": "court"})
    assert resp.status_code == 200
    assert "au moins 12 caractères" in resp.get_data(as_text=True)


def test_invite_errors_keep_the_form(client, org, login_as):
    login_as("admin")
    factories.create_user(org, ["agent"], email="deja@ville-a.fr")
    resp = _invite(client, email="deja@ville-a.fr", full_name="Quelqu'un")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    # Its own member: saying so tells this collectivité nothing it does not know.
    assert "Cette personne fait déjà partie de la collectivité." in text
    assert "Quelqu&#39;un" in text
    resp = _invite(client, email="pas-une-adresse", roles=[])
    text = resp.get_data(as_text=True)
    assert "Cette adresse électronique n" in text and "pas valide" in text
    assert "Choisissez au moins un rôle." in text


def test_service_of_another_collectivite_is_refused(client, org, other_org, login_as):
    login_as("admin")
    theirs = factories.create_service(other_org, "Leur service")
    resp = _invite(client, service_id=str(theirs.id))
    assert resp.status_code == 200
    assert db.session.scalars(
        select(User).where(User.email == "lucie.bernard@ville-a.fr")).first() is None


def test_operator_role_cannot_be_granted_by_an_admin(client, org, login_as):
    login_as("admin")
    resp = _invite(client, roles=["operator"])
    assert resp.status_code == 200
    assert db.session.scalars(
        select(User).where(User.email == "lucie.bernard@ville-a.fr")).first() is None


def test_edit_roles_and_service_is_audited(client, org, login_as):
    admin = login_as("admin")
    target = factories.create_user(org, ["agent"])
    service = factories.create_service(org, "Finances")
    resp = client.post(f"/admin/utilisateurs/{target.id}",
                       data={"full_name": "Nouveau Nom", "service_id": str(service.id),
                             "roles": ["agent", "project_lead"]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert target.full_name == "Nouveau Nom" and target.service_id == service.id
    assert target.role_names == {"agent", "project_lead"}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "roles_changed")).one()
    assert event.actor_id == admin.id
    assert event.details == {"before": ["agent"], "after": ["agent", "project_lead"]}


def test_admin_cannot_drop_own_admin_role_or_deactivate_self(client, org, login_as):
    admin = login_as("admin")
    resp = client.post(f"/admin/utilisateurs/{admin.id}",
                       data={"full_name": admin.full_name, "service_id": "0", "roles": ["agent"]})
    assert "propre rôle d&#39;administrateur" in resp.get_data(as_text=True)
    client.post(f"/admin/utilisateurs/{admin.id}/desactiver")
    db.session.expire_all()
    assert admin.active


def test_deactivate_keeps_the_user_and_blocks_login(app, client, org, login_as):
    login_as("admin")
    target = factories.create_user(org, ["agent"], email="depart@ville-a.fr")
    their_client = app.test_client()
    factories.log_in(their_client, target)
    assert their_client.get("/accueil").status_code == 200
    resp = client.post(f"/admin/utilisateurs/{target.id}/desactiver")
    assert resp.status_code == 302
    assert their_client.get("/accueil").status_code == 302
    assert db.session.get(User, target.id) is not None
    resp = app.test_client().post("/connexion", data={"email": "depart@ville-a.fr",
                                                      "password": factories.PASSWORD})
    assert "incorrect" in resp.get_data(as_text=True)
    client.post(f"/admin/utilisateurs/{target.id}/reactiver")
    db.session.expire_all()
    assert target.active


def test_services_crud_with_clear_errors(client, org, login_as):
    login_as("admin")
    resp = client.post("/admin/services", data={"name": "Médiathèque"})
    assert resp.status_code == 302
    resp = client.post("/admin/services", data={"name": "médiathèque"})
    assert "Un service porte déjà ce nom." in resp.get_data(as_text=True)
    resp = client.post("/admin/services", data={"name": "x" * 121})
    assert "120 caractères au plus." in resp.get_data(as_text=True)
    service = factories.create_service(org, "Piscine")
    factories.create_user(org, ["agent"], service=service)
    resp = client.post(f"/admin/services/{service.id}/supprimer", follow_redirects=True)
    assert "compte encore 1 personne" in resp.get_data(as_text=True)
    empty = factories.create_service(org, "Vide")
    client.post(f"/admin/services/{empty.id}/supprimer")
    assert db.session.get(type(empty), empty.id) is None


def test_user_list_search_and_pages(client, org, login_as):
    login_as("admin")
    for n in range(55):
        factories.create_user(org, ["agent"], name=f"Agent {n:02d}")
    page1 = client.get("/admin/utilisateurs").get_data(as_text=True)
    assert "Page 1 sur 2" in page1
    found = client.get("/admin/utilisateurs?q=agent 07").get_data(as_text=True)
    assert "Agent 07" in found and "Agent 08" not in found
    assert client.get("/admin/utilisateurs?page=abc").status_code == 404
    assert client.get("/admin/utilisateurs?page=99").status_code == 404
