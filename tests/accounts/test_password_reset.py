"""'Mot de passe oublié ?': same answer for any address, a signed single-use link that
expires, throttled like logins, every session ended, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from change_portal.accounts import reset
from change_portal.accounts.models import LoginSession
from change_portal.core.audit import AuditEvent
from change_portal.core.errors import DomainError
from change_portal.extensions import db
from tests import factories
from tests.mailbox import text_of

NEW = "une toute nouvelle phrase secrète"


def _reset_link(outbox) -> str:
    files = sorted(outbox.glob("reset-*.eml"))
    assert len(files) == 1, files
    body = text_of(files[0])
    return re.search(r"http://\S+(/mot-de-passe-oublie/\S+)", body).group(1)


def test_reset_by_email_ends_every_session_and_the_link_serves_once(app, client, org, outbox):
    user = factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    elsewhere = app.test_client()  # a session left open on another computer
    factories.log_in(elsewhere, user)
    db.session.commit()
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    assert 'href="/mot-de-passe-oublie"' in client.get("/connexion").get_data(as_text=True)
    resp = client.post("/mot-de-passe-oublie", data={"email": " Agent@Ville-A.fr "})
    assert resp.status_code == 200
    assert "Si un compte existe pour l&#39;adresse" in resp.get_data(as_text=True) or (
        "Si un compte existe pour l'adresse" in resp.get_data(as_text=True))
    link = _reset_link(outbox)
    form = client.get(link)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in form.get_data(
        as_text=True)
    weak = client.post(link, data={"password": "court", "confirm": "court"})
    assert weak.status_code == 422  # refused with a message, nothing changed
    resp = client.post(link, data={"password": NEW, "confirm": NEW})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/connexion")
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)) is None
    assert elsewhere.get("/accueil").status_code in (302, 401)  # the old session is over
    login = client.post("/connexion", data={"email": "agent@ville-a.fr", "password": NEW})
    assert login.status_code == 302
    used = app.test_client().get(link)
    assert used.status_code == 410 and "déjà servi" in used.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"password_reset_requested", "password_reset"} <= actions


def test_unknown_address_gets_the_same_answer_and_no_email(client, org, outbox):
    factories.create_user(org, ["agent"], email="connu@ville-a.fr")
    known = client.post("/mot-de-passe-oublie", data={"email": "connu@ville-a.fr"})
    unknown = client.post("/mot-de-passe-oublie", data={"email": "inconnu@ville-a.fr"})

    def answer(resp):
        text = resp.get_data(as_text=True)
        return text.replace("connu@ville-a.fr", "X").replace("inconnu@ville-a.fr", "X").replace(
            "inX", "X")
    assert known.status_code == unknown.status_code == 200
    assert answer(known) == answer(unknown)
    assert len(list(outbox.glob("reset-*.eml"))) == 1


def test_requests_are_throttled_like_logins(app, client, org, outbox):
    factories.create_user(org, ["agent"], email="cible@ville-a.fr")
    saved = app.config["RESET_LIMIT_ACCOUNT"]
    app.config["RESET_LIMIT_ACCOUNT"] = "2/3600"
    try:
        statuses = [client.post("/mot-de-passe-oublie", data={"email": "cible@ville-a.fr"},
                                environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
                    for n in range(4)]
    finally:
        app.config["RESET_LIMIT_ACCOUNT"] = saved
    assert statuses == [200, 200, 429, 429]
    # the refused requests send nothing (two allowed requests within the same second
    # carry the same signed link, so the outbox keeps one file for them)
    assert 1 <= len(list(outbox.glob("reset-*.eml"))) <= 2


def test_expired_forged_and_foreign_links_are_refused(app, client, org):
    user = factories.create_user(org, ["agent"])
    secret = app.config["SECRET_KEY"]
    token = reset.reset_token(user.account, secret)
    assert reset.load_reset(token, secret).id == user.account_id
    with pytest.raises(DomainError, match="expiré"):
        reset.load_reset(token, secret, max_age=-1)
    forged = client.get(f"/mot-de-passe-oublie/{token[:-3]}abc")
    assert forged.status_code == 410 and "pas valide" in forged.get_data(as_text=True)
    other = reset.reset_token(user.account, "another-secret")
    assert client.get(f"/mot-de-passe-oublie/{other}").status_code == 410
    assert client.get("/mot-de-passe-oublie/" + "x" * 400).status_code == 404
