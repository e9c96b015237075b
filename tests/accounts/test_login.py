"""Login, logout, sessions, throttling, own password."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from change_portal.accounts.models import LoginSession, UserRole
from change_portal.core.audit import AuditEvent
from change_portal.extensions import db
from tests import factories


def _login(client, email, password, **extra):
    return client.post("/connexion", data={"email": email, "password": password, **extra})


def test_login_then_home_then_logout(client, org):
    user = factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    resp = _login(client, "Agent@Ville-A.fr ", factories.PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/accueil")
    home = client.get("/accueil")
    assert home.status_code == 200
    assert f"Bonjour {user.full_name}" in home.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1
    resp = client.post("/deconnexion")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert client.get("/accueil").status_code == 302


def test_wrong_password_gives_a_clear_french_message(client, org):
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    resp = _login(client, "agent@ville-a.fr", "mauvais mot de passe")
    assert resp.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in resp.get_data(as_text=True)
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    event = failed.one()
    assert "password" not in str(event.details).lower() or event.details == {
        "reason": "bad_credentials"
    }


def test_unknown_email_gets_the_same_message(client, org):
    resp = _login(client, "personne@nulle-part.fr", "peu importe le mot")
    assert "Adresse électronique ou mot de passe incorrect." in resp.get_data(as_text=True)


def test_empty_form_re_renders_with_messages(client):
    resp = client.post("/connexion", data={})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Indiquez votre adresse électronique." in text
    assert "Indiquez votre mot de passe." in text


def test_deactivated_user_cannot_log_in(client, org):
    factories.create_user(org, ["agent"], email="parti@ville-a.fr", active=False)
    resp = _login(client, "parti@ville-a.fr", factories.PASSWORD)
    assert resp.status_code == 200
    assert client.get("/accueil").status_code == 302


def test_deactivation_ends_an_open_session(client, org, login_as):
    user = login_as("agent")
    assert client.get("/accueil").status_code == 200
    user.active = False
    db.session.flush()
    assert client.get("/accueil").status_code == 302


def test_role_removed_while_logged_in_takes_effect_at_once(client, org, login_as):
    admin = login_as("admin")
    assert client.get("/admin/utilisateurs").status_code == 200
    db.session.execute(UserRole.__table__.delete().where(UserRole.user_id == admin.id))
    db.session.expire_all()
    assert client.get("/admin/utilisateurs").status_code == 403


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "http:/evil", "/\t/evil.example"],
)
def test_next_never_leaves_the_portal(client, org, target):
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    resp = client.post(f"/connexion?next={target}",
                       data={"email": "agent@ville-a.fr", "password": factories.PASSWORD,
                             "next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/accueil"


def test_next_inside_the_portal_is_followed(client, org):
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    resp = client.post("/connexion?next=/modules/",
                       data={"email": "agent@ville-a.fr", "password": factories.PASSWORD})
    assert resp.headers["Location"] == "/modules/"


def test_new_session_token_at_each_login(client, org):
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    _login(client, "agent@ville-a.fr", factories.PASSWORD)
    with client.session_transaction() as sess:
        first = sess["_user_id"]
    client.post("/deconnexion")
    _login(client, "agent@ville-a.fr", factories.PASSWORD)
    with client.session_transaction() as sess:
        assert sess["_user_id"] != first


def test_copied_cookie_is_useless_after_logout(app, client, org):
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    _login(client, "agent@ville-a.fr", factories.PASSWORD)
    with client.session_transaction() as sess:
        stolen = dict(sess)
    client.post("/deconnexion")
    thief = app.test_client()
    with thief.session_transaction() as sess:
        sess.update(stolen)
    assert thief.get("/accueil").status_code == 302


def test_idle_session_expires(app, client, org, login_as):
    user = login_as("agent")
    ls = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    from datetime import timedelta

    ls.last_seen_at = ls.last_seen_at - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.flush()
    assert client.get("/accueil").status_code == 302
    assert db.session.get(LoginSession, ls.id) is None


class TestThrottling:
    @pytest.fixture(autouse=True)
    def strict_limits(self, app):
        saved = app.config["LOGIN_LIMIT_IP"], app.config["LOGIN_LIMIT_ACCOUNT"]
        app.config["LOGIN_LIMIT_IP"] = "6/60,30/3600"
        app.config["LOGIN_LIMIT_ACCOUNT"] = "4/900"
        yield
        app.config["LOGIN_LIMIT_IP"], app.config["LOGIN_LIMIT_ACCOUNT"] = saved

    def test_account_is_throttled_after_repeated_failures(self, client, org):
        factories.create_user(org, ["agent"], email="cible@ville-a.fr")
        for _ in range(4):
            assert _login(client, "cible@ville-a.fr", "pas le bon mot").status_code == 200
        resp = _login(client, "cible@ville-a.fr", factories.PASSWORD)
        assert resp.status_code == 429
        assert int(resp.headers["Retry-After"]) > 0
        assert "Réessayez dans" in resp.get_data(as_text=True)

    def test_ip_is_throttled_across_accounts(self, client, org):
        for n in range(6):
            _login(client, f"inconnu{n}@ville-a.fr", "pas le bon mot")
        resp = _login(client, "encore@ville-a.fr", "pas le bon mot")
        assert resp.status_code == 429

    def test_success_resets_the_account_counter(self, client, org):
        factories.create_user(org, ["agent"], email="distrait@ville-a.fr")
        for _ in range(3):
            _login(client, "distrait@ville-a.fr", "pas le bon mot")
        assert _login(client, "distrait@ville-a.fr", factories.PASSWORD).status_code == 302
        client.post("/deconnexion")
        for _ in range(3):
            assert _login(client, "distrait@ville-a.fr", "pas le bon mot").status_code == 200


def test_change_password_ends_other_sessions(app, client, org):
    user = factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    other = app.test_client()
    factories.log_in(other, user)
    factories.log_in(client, user)
    resp = client.post("/compte/mot-de-passe", data={
        "current_password": factories.PASSWORD,
        "password": "une nouvelle phrase secrète",
        "confirm": "une nouvelle phrase secrète",
    })
    assert resp.status_code == 302
    assert client.get("/accueil").status_code == 200
    assert other.get("/accueil").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("faux mot de passe", "une nouvelle phrase secrète", "une nouvelle phrase secrète",
         "Le mot de passe actuel n&#39;est pas le bon."),
        (factories.PASSWORD, "court", "court", "au moins 12 caractères"),
        (factories.PASSWORD, "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "trop facile à deviner"),
        (factories.PASSWORD, "une nouvelle phrase", "autre chose encore", "pas identiques"),
    ],
)
def test_weak_or_wrong_passwords_are_refused(client, login_as, current, new, confirm, message):
    login_as("agent")
    resp = client.post("/compte/mot-de-passe",
                       data={"current_password": current, "password": new, "confirm": confirm})
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)


def test_oversized_request_is_413_with_a_french_page(app, client):
    app.config["MAX_CONTENT_LENGTH"], saved = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        resp = client.post("/connexion", data={"email": "x" * 5000, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert resp.status_code == 413
    assert "trop volumineux" in resp.get_data(as_text=True)


def test_language_switch_to_english(client):
    resp = client.post("/langue", data={"lang": "en", "next": "/connexion"})
    assert resp.headers["Location"] == "/connexion"
    page = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="en">' in page


@pytest.mark.redis
def test_throttling_counts_in_redis_when_present(app, client, org):
    url = app.config.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set: runs in CI's second pass")
    from redis import Redis

    redis = Redis.from_url(url)
    ip = "192.0.2.77"  # a documentation address, only a string in the WSGI environ
    for key in redis.scan_iter(match=f"rl:login-ip:{ip}:*"):
        redis.delete(key)
    saved = {k: app.config[k] for k in ("REDIS_URL", "LOGIN_LIMIT_IP")}
    app.config.update(REDIS_URL=url, LOGIN_LIMIT_IP="3/60")
    try:
        for _ in range(3):
            client.post("/connexion", data={"email": "x@y.fr", "password": "faux mot de passe"},
                        environ_base={"REMOTE_ADDR": ip})
        assert list(redis.scan_iter(match=f"rl:login-ip:{ip}:*"))
        resp = client.post("/connexion", data={"email": "x@y.fr", "password": "faux"},
                           environ_base={"REMOTE_ADDR": ip})
        assert resp.status_code == 429
    finally:
        app.config.update(saved)
        for key in redis.scan_iter(match=f"rl:login-ip:{ip}:*"):
            redis.delete(key)


def test_english_is_a_full_second_language(client, org, login_as):
    client.post("/langue", data={"lang": "en", "next": "/connexion"})
    page = client.get("/connexion").get_data(as_text=True)
    assert "Log in" in page and "Se connecter" not in page
    # the required mark is translated and sits on the label's line
    assert '</label> <span class="required">(required)</span></div>' in page
    assert "obligatoire" not in page
    resp = client.post("/connexion", data={"email": "x@y.fr", "password": "wrong password"})
    assert "Incorrect email address or password." in resp.get_data(as_text=True)
