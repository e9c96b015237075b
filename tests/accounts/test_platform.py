"""Platform operators create collectivités and their first admin."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from tests import factories


def _create(client, **overrides):
    data = {"name": "Communauté de communes du Val", "slug": "cc-du-val",
            "kind": "intercommunalite", "population": "24000",
            "admin_name": "Paul Durand", "admin_email": "paul.durand@cc-val.fr", **overrides}
    return client.post("/plateforme/collectivites/nouvelle", data=data)


def test_operator_creates_a_collectivite_and_invites_its_admin(client, login_as, outbox):
    login_as("operator")
    resp = _create(client)
    assert resp.status_code == 302
    org = db.session.scalars(select(Organisation).where(Organisation.slug == "cc-du-val")).one()
    assert org.kind == "intercommunalite" and org.population == 24000
    assert db.session.scalars(select(Service).where(Service.organisation_id == org.id)).first()
    admin = db.session.scalars(select(User).where(User.email == "paul.durand@cc-val.fr")).one()
    assert admin.organisation_id == org.id and admin.has_role("admin")
    assert list(outbox.glob("invitation-*.eml"))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Paul Durand" in page and "/invitation/" in page


def test_bad_input_is_explained_and_nothing_is_created(client, login_as, org):
    login_as("operator")
    for overrides, message in [
        ({"slug": "Pas Bon!"}, "lettres minuscules"),
        ({"slug": org.slug}, "déjà pris"),
        ({"population": "-3"}, "habitants valide"),
        ({"kind": "empire"}, "pas un choix valide"),
        ({"admin_email": "nope"}, "pas valide"),
    ]:
        resp = _create(client, **overrides)
        assert resp.status_code == 200, overrides
        assert message in resp.get_data(as_text=True), overrides
    assert db.session.scalars(
        select(Organisation).where(Organisation.name == "Communauté de communes du Val")
    ).first() is None


def test_admin_already_member_elsewhere_gets_a_pending_membership(client, login_as, org):
    # An address used in another collectivité no longer blocks (issue 11 item 4).
    login_as("operator")
    existing = factories.create_user(org, ["agent"], email="pris@ville.fr")
    resp = _create(client, admin_email="pris@ville.fr")
    assert resp.status_code == 302
    new = db.session.scalars(
        select(Organisation).where(Organisation.slug == "cc-du-val")).one()
    membership = db.session.scalars(select(User).where(User.organisation_id == new.id)).one()
    assert membership.account_id == existing.account_id and membership.id != existing.id
    assert membership.status == "invited" and membership.has_role("admin")
    assert existing.status == "active" and existing.organisation_id == org.id


def test_operator_has_no_tenant_pages(client, login_as):
    login_as("operator")
    assert client.get("/admin/utilisateurs").status_code == 403
    assert client.get("/accueil").headers["Location"].endswith("/plateforme/collectivites")


def test_region_is_recorded_at_creation_and_refused_when_unknown(client, login_as):
    login_as("operator")
    resp = _create(client, region="atlantide")
    assert resp.status_code == 200
    assert "pas un choix valide" in resp.get_data(as_text=True)
    assert _create(client, region="53").status_code == 302
    org = db.session.scalars(select(Organisation).where(Organisation.slug == "cc-du-val")).one()
    assert org.region == "53" and org.region_name == "Bretagne"


def test_operator_edits_the_profile_and_it_is_audited(client, login_as, org):
    from change_portal.core.audit import AuditEvent

    login_as("operator")
    url = f"/plateforme/collectivites/{org.id}/profil"
    assert "Région (facultatif)" in client.get(url).get_data(as_text=True)
    bad = client.post(url, data={"name": "Ville A", "kind": "commune", "population": "-3",
                                 "region": ""})
    assert bad.status_code == 200 and "habitants valide" in bad.get_data(as_text=True)
    resp = client.post(url, data={"name": "  Ville A  ", "kind": "commune",
                                  "population": "4200", "region": "32"})
    assert resp.status_code == 302
    assert (org.population, org.region, org.name) == (4200, "32", "Ville A")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organisation_updated")).one()
    assert event.details["changes"]["population"][1] == 4200
    assert "Hauts-de-France" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_only_the_operator_edits_a_profile(client, login_as, org):
    login_as("admin")
    resp = client.post(f"/plateforme/collectivites/{org.id}/profil",
                       data={"name": "Pirate", "kind": "commune", "population": "1"})
    assert resp.status_code in (403, 404)
    assert org.name == "Ville A"
