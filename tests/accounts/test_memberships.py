"""One account, several memberships (issue 11 item 4): invitations to an address
that already has an account, the collectivité switcher, tenancy on the current
membership, erasure of one membership."""

from __future__ import annotations

import re

from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.accounts.models import Account, LoginSession, User
from change_portal.extensions import db
from tests import factories
from tests.forums import factories as forum_factories
from tests.mailbox import message, text_of

EMAIL = "camille.roux@ville-a.fr"


def _invite(client, email=EMAIL, name="Camille Roux", roles=("agent",)):
    return client.post("/admin/utilisateurs/inviter", data={
        "full_name": name, "email": email, "service_id": "0", "roles": list(roles)})


def _mails(outbox, to):
    found = []
    for path in sorted(outbox.glob("invitation-*.eml")):
        if message(path)["To"] == to:
            found.append(text_of(path))
    return found


def _token(body):
    return re.search(r"http://\S+/invitation/(\S+)", body).group(1)


def _login(client, email, password=factories.PASSWORD):
    return client.post("/connexion", data={"email": email, "password": password})


def _page_text(client, resp):
    """The page the admin lands on, with the invitee's own name and address and
    their ids blanked: what is left must not depend on who they are elsewhere."""
    text = client.get(resp.headers["Location"]).get_data(as_text=True)
    text = re.sub(r"/invitation/[^\s\"<]+", "/invitation/T", text)
    return re.sub(r"\d+", "N", text)


def _new_admin(org):
    return factories.create_user(org, ["admin", "agent"])


# --- invitations ---------------------------------------------------------------

def test_invite_answers_the_same_whether_the_address_is_used_elsewhere(
        app, client, org, other_org, outbox):
    """No cross-tenant enumeration: B's admin learns nothing from the answer."""
    factories.create_user(org, ["agent"], email=EMAIL)  # works in A already
    factories.log_in(client, _new_admin(other_org))
    used = _invite(client, email=EMAIL, name="Personne Un")
    page_used = _page_text(client, used)
    fresh = _invite(client, email="inconnu@ville-b.fr", name="Personne Un")
    page_fresh = _page_text(client, fresh)
    assert used.status_code == fresh.status_code == 302
    assert "Invitation envoyée à camille.roux@ville-a.fr" in page_used
    assert "Un compte existe déjà" not in page_used
    # The same page whatever the address (without SMTP both show their link).
    assert page_used.replace(EMAIL, "X") == page_fresh.replace("inconnu@ville-b.fr", "X")
    # The person is asked to join with their existing account; nothing changes in A.
    [body] = _mails(outbox, EMAIL)
    assert "avec le compte que vous utilisez déjà" in body
    rows = db.session.scalars(select(User).where(User.email == EMAIL).order_by(User.id)).all()
    assert [(r.organisation_id, r.status) for r in rows] == [
        (org.id, "active"), (other_org.id, "invited")]
    assert rows[0].account_id == rows[1].account_id


def test_another_collectivite_cannot_block_an_invitation(app, client, org, other_org, outbox):
    """Onboarding denial: B invites the address first; A can still invite and the
    person activates their account through A's link, B's stays pending."""
    factories.log_in(client, _new_admin(other_org))
    assert _invite(client, name="Camille (B)").status_code == 302
    factories.log_in(client, _new_admin(org))
    resp = _invite(client, name="Camille Roux")
    assert resp.status_code == 302
    b_row, a_row = db.session.scalars(
        select(User).where(User.email == EMAIL).order_by(User.id)).all()
    assert a_row.account_id == b_row.account_id
    body = _mails(outbox, EMAIL)[-1]
    person = app.test_client()
    resp = person.post(f"/invitation/{_token(body)}", data={
        "password": "ma phrase de passe à moi", "confirm": "ma phrase de passe à moi"})
    assert resp.status_code == 302
    assert "Ville A" in person.get("/accueil").get_data(as_text=True)
    db.session.refresh(a_row)
    db.session.refresh(b_row)
    assert (a_row.status, b_row.status) == ("active", "invited")


def test_existing_account_accepts_while_signed_in(app, client, org, other_org, outbox):
    person_a = factories.create_user(org, ["agent"], email=EMAIL)
    factories.log_in(client, _new_admin(other_org))
    _invite(client, roles=("agent", "trainer"))
    token = _token(_mails(outbox, EMAIL)[0])
    person = app.test_client()
    # Signed out: asked to sign in, then sent back to the invitation.
    resp = person.get(f"/invitation/{token}")
    assert resp.status_code == 302 and "/connexion" in resp.headers["Location"]
    assert "next=" in resp.headers["Location"]
    # Someone else signed in cannot take it.
    intruder = app.test_client()
    factories.log_in(intruder, factories.create_user(org, ["admin"]))
    resp = intruder.post(f"/invitation/{token}")
    assert resp.status_code == 403
    assert "destinée à une autre personne" in resp.get_data(as_text=True)
    # The right person, signed in (in A), accepts; they now act in B.
    assert _login(person, EMAIL).status_code == 302
    page = person.get(f"/invitation/{token}")
    assert page.status_code == 200 and "Rejoindre Ville B" in page.get_data(as_text=True)
    assert person.post(f"/invitation/{token}").status_code == 302
    b_row = db.session.scalars(select(User).where(
        User.email == EMAIL, User.organisation_id == other_org.id)).one()
    assert b_row.status == "active" and b_row.account_id == person_a.account_id
    assert b_row.role_names == {"agent", "trainer"} and person_a.role_names == {"agent"}
    home = person.get("/accueil").get_data(as_text=True)
    assert 'class="brand-org">Ville B' in home
    assert 'name="membership_id"' in home  # two memberships: the switcher shows
    assert person.get(f"/invitation/{token}").status_code == 410  # single use


def test_invited_membership_gives_no_access_before_acceptance(app, client, org, other_org):
    person_a = factories.create_user(org, ["agent"], email=EMAIL)
    factories.log_in(client, _new_admin(other_org))
    _invite(client)
    b_row = db.session.scalars(select(User).where(
        User.email == EMAIL, User.organisation_id == other_org.id)).one()
    person = app.test_client()
    factories.log_in(person, person_a)
    assert person.post("/compte/collectivite", data={"membership_id": b_row.id}).status_code == 404
    # A login lands in the active membership, never the pending one.
    fresh = app.test_client()
    _login(fresh, EMAIL)
    assert 'class="brand-org">Ville A' in fresh.get("/accueil").get_data(as_text=True)


# --- switcher and tenancy --------------------------------------------------------

def _two_memberships(org, other_org):
    """Admin in A, agent in B: one account."""
    a = factories.create_user(org, ["admin", "agent"], email=EMAIL)
    b = accounts.add_membership(a, other_org, roles=["agent"])
    return a, b


def test_switching_changes_collectivite_roles_and_data(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    service_a = factories.create_service(org, "Urbanisme A")
    service_b = factories.create_service(other_org, "Urbanisme B")
    topic_a = forum_factories.create_topic(org, title="Sujet de A")
    topic_b = forum_factories.create_topic(other_org, b, title="Sujet de B")
    person = app.test_client()
    assert _login(person, EMAIL).status_code == 302
    # Acting in A: A's data only, with A's roles (even B's topic they wrote).
    assert person.get(f"/forums/sujets/{topic_a.id}").status_code == 200
    assert person.get(f"/forums/sujets/{topic_b.id}").status_code == 404
    assert "Sujet de B" not in person.get("/forums/").get_data(as_text=True)
    assert person.get(f"/admin/services/{service_a.id}").status_code == 200
    assert person.get(f"/admin/services/{service_b.id}").status_code == 404
    users_a = person.get("/admin/utilisateurs").get_data(as_text=True)
    assert "Urbanisme B" not in person.get("/admin/services").get_data(as_text=True)
    assert users_a.count(EMAIL) == 1
    # Switch to B (POST, CSRF checked by the form): B's roles (agent, not admin).
    resp = person.post("/compte/collectivite", data={"membership_id": b.id})
    assert resp.status_code == 302
    assert person.get("/admin/utilisateurs").status_code == 403
    assert person.get(f"/forums/sujets/{topic_b.id}").status_code == 200
    assert person.get(f"/forums/sujets/{topic_a.id}").status_code == 404
    home = person.get("/accueil").get_data(as_text=True)
    assert 'class="brand-org">Ville B' in home
    ls = db.session.scalars(select(LoginSession)).one()
    assert ls.user_id == b.id
    # And back.
    person.post("/compte/collectivite", data={"membership_id": a.id})
    assert person.get(f"/admin/services/{service_a.id}").status_code == 200


def test_switch_requires_an_active_membership_of_ones_own_account(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    stranger = factories.create_user(other_org, ["admin"])
    person = app.test_client()
    factories.log_in(person, a)
    for value in (stranger.id, 10**30, "²", "", -1):
        resp = person.post("/compte/collectivite", data={"membership_id": value})
        assert resp.status_code == 404, value
    accounts.deactivate_user(stranger, b)  # B's admin deactivates the B membership
    db.session.flush()
    assert person.post("/compte/collectivite", data={"membership_id": b.id}).status_code == 404
    assert db.session.scalars(select(LoginSession)).one().user_id == a.id


def test_switch_needs_csrf(app, org, other_org):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        a, b = _two_memberships(org, other_org)
        person = app.test_client()
        factories.log_in(person, a)
        resp = person.post("/compte/collectivite", data={"membership_id": b.id})
        assert resp.status_code in (400, 404)
        assert db.session.scalars(select(LoginSession)).one().user_id == a.id
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_tampered_session_fails_closed(app, org, other_org):
    """The current membership is the server-side session's; a session pointing at a
    membership that may not act (left, deactivated, pending) is no session."""
    a, b = _two_memberships(org, other_org)
    person = app.test_client()
    factories.log_in(person, a)
    with person.session_transaction() as sess:
        sess["memberships"] = 5
        sess["organisation_id"] = other_org.id  # not read: the org is the membership's
    assert 'class="brand-org">Ville A' in person.get("/accueil").get_data(as_text=True)
    ls = db.session.scalars(select(LoginSession)).one()
    b.status = "invited"
    ls.user_id = b.id
    db.session.flush()
    resp = person.get("/accueil")
    assert resp.status_code == 302 and "/connexion" in resp.headers["Location"]


def test_header_switcher_only_with_two_memberships(app, org, other_org):
    solo = factories.create_user(org, ["agent"])
    client = app.test_client()
    _login(client, solo.email)
    assert 'name="membership_id"' not in client.get("/accueil").get_data(as_text=True)
    _two_memberships(org, other_org)
    _login(client2 := app.test_client(), EMAIL)
    page = client2.get("/accueil").get_data(as_text=True)
    assert 'name="membership_id"' in page and "Ville B</option>" in page


def test_admin_list_shows_own_collectivite_memberships_only(app, client, org, other_org):
    a, b = _two_memberships(org, other_org)
    only_b = factories.create_user(other_org, ["agent"], email="seulement.b@ville-b.fr")
    factories.log_in(client, _new_admin(org))
    page = client.get("/admin/utilisateurs").get_data(as_text=True)
    assert EMAIL in page and only_b.email not in page
    assert client.get(f"/admin/utilisateurs/{b.id}").status_code == 404


# --- account-wide and membership-only effects -------------------------------------

def test_password_change_ends_sessions_of_every_membership(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    in_b = app.test_client()
    factories.log_in(in_b, b)
    in_a = app.test_client()
    factories.log_in(in_a, a)
    resp = in_a.post("/compte/mot-de-passe", data={
        "current_password": factories.PASSWORD, "password": "une autre phrase secrète",
        "confirm": "une autre phrase secrète"})
    assert resp.status_code == 302
    assert in_b.get("/accueil").status_code == 302  # signed out
    assert in_a.get("/accueil").status_code == 200


def test_deactivation_in_a_ends_only_a(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    admin_a = _new_admin(org)
    in_a = app.test_client()
    factories.log_in(in_a, a)
    accounts.deactivate_user(admin_a, a)
    db.session.flush()
    assert in_a.get("/accueil").status_code == 302
    again = app.test_client()
    assert _login(again, EMAIL).status_code == 302  # lands in B
    assert 'class="brand-org">Ville B' in again.get("/accueil").get_data(as_text=True)


def test_erasure_ends_one_membership_and_the_account_with_the_last(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    account_id = a.account_id
    accounts.erase_user(_new_admin(org), a)
    db.session.flush()
    account = db.session.get(Account, account_id)
    assert a.status == "left" and a.email is None and a.erased_at is not None
    assert account.email == EMAIL and account.password_hash is not None  # B lives on
    assert b.status == "active" and b.email == EMAIL
    client = app.test_client()
    assert _login(client, EMAIL).status_code == 302
    assert 'class="brand-org">Ville B' in client.get("/accueil").get_data(as_text=True)
    accounts.erase_user(_new_admin(other_org), b)
    db.session.flush()
    assert account.email is None and account.password_hash is None
    assert account.erased_at is not None
    assert _login(app.test_client(), EMAIL).status_code == 200  # refused


def test_my_data_lists_every_membership(app, org, other_org):
    a, b = _two_memberships(org, other_org)
    client = app.test_client()
    factories.log_in(client, a)
    data = client.get("/compte/mes-donnees.json").get_json()
    assert sorted(m["collectivite"] for m in data["adhesions"]) == ["Ville A", "Ville B"]
