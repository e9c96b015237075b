"""Login throttling at the service level: counted first, atomically, under
concurrency; the lockout policy (address, account × address, ceiling, device)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from change_portal.accounts import login, passwords
from change_portal.extensions import db
from tests import factories

WIDE = "1000/60"


@pytest.fixture(autouse=True)
def frozen_windows(monkeypatch):
    """Fixed windows: a test running across a minute's boundary would see its
    counts start again. The clock stands still in the middle of every window."""
    from change_portal.core import ratelimit

    monkeypatch.setattr(ratelimit, "_now", lambda: 1_800_000_000 + 1_800 + 30)


def _concurrent_attempts(app, n: int, limits: login.LoginLimits, *, password="mauvais") -> tuple:
    """n threads, each its own app context and database session, released at once."""
    evaluated = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def counting_check(hash_, password_):
        with lock:
            evaluated.append(1)
        return passwords.verify(hash_, password_)

    def one(k: int):
        with app.app_context():
            barrier.wait()
            try:
                result = login.attempt("cible@ville-a.fr", password, ip=f"198.51.100.{k}",
                                       limits=limits, secret_key="k", check=counting_check)
                db.session.commit()
                return "refused" if result.wait else ("ok" if result.user else "failed")
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=n) as pool:
        outcomes = list(pool.map(one, range(n)))
    return len(evaluated), outcomes


@pytest.fixture
def target(app):
    org = factories.create_organisation(slug="ville-a", name="Ville A")
    user = factories.create_user(org, ["agent"], email="cible@ville-a.fr")
    db.session.commit()
    return user


@pytest.mark.committed
@pytest.mark.parametrize("backend", ["db", "redis"])
def test_concurrent_attempts_on_one_account_evaluate_at_most_the_limit(app, target, backend):
    saved = app.config["REDIS_URL"]
    if backend == "redis":
        if not app.config.get("TEST_REDIS_URL"):
            pytest.skip("REDIS_URL not set: runs in CI's second pass")
        app.config["REDIS_URL"] = app.config["TEST_REDIS_URL"]
        from redis import Redis

        redis = Redis.from_url(app.config["REDIS_URL"])
        for key in redis.scan_iter(match="rl:login-*"):
            redis.delete(key)
    limits = login.LoginLimits(ip=WIDE, account_ip=WIDE, account="10/900", device=WIDE)
    try:
        evaluated, outcomes = _concurrent_attempts(app, 40, limits)
    finally:
        app.config["REDIS_URL"] = saved
    # Distinct addresses, one account: only the account's ceiling applies.
    assert evaluated <= 10, (evaluated, outcomes)
    assert outcomes.count("failed") == evaluated
    assert outcomes.count("refused") == 40 - evaluated >= 30


@pytest.fixture
def strict(app):
    keys = ("LOGIN_LIMIT_IP", "LOGIN_LIMIT_ACCOUNT_IP", "LOGIN_LIMIT_ACCOUNT",
            "LOGIN_LIMIT_DEVICE")
    saved = {k: app.config[k] for k in keys}

    def set_limits(**limits):
        app.config.update({f"LOGIN_LIMIT_{k.upper()}": v for k, v in limits.items()})

    yield set_limits
    app.config.update(saved)


def _change(client, current):
    return client.post("/compte/mot-de-passe", data={
        "current_password": current, "password": "une nouvelle phrase secrète",
        "confirm": "une nouvelle phrase secrète"})


def test_current_password_guesses_are_throttled_and_audited(client, login_as, strict):
    from sqlalchemy import func, select

    from change_portal.core.audit import AuditEvent

    strict(account_ip="3/900")
    user = login_as("agent")
    for _ in range(3):
        resp = _change(client, "une supposition fausse")
        assert resp.status_code == 200
        assert "actuel n&#39;est pas le bon" in resp.get_data(as_text=True)
    resp = _change(client, factories.PASSWORD)  # even the right one, once limited
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    failures = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password_check_failed", AuditEvent.actor_id == user.id))
    assert failures == 3
    # the password did not change
    db.session.refresh(user)
    assert passwords.verify(user.password_hash, factories.PASSWORD)


def test_right_current_password_is_not_counted(client, login_as, strict):
    strict(account_ip="2/900")
    login_as("agent")
    assert _change(client, "une supposition fausse").status_code == 200
    resp = _change(client, factories.PASSWORD)
    assert resp.status_code == 302


# --- lockout policy: address, account × address, ceiling, remembered device -------

def _login(client, email, password, ip):
    return client.post("/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_strangers_fill_the_ceiling_but_the_known_device_gets_in(app, client, org, strict):
    strict(ip="100/60", account_ip="3/900", account="6/900", device="5/900")
    factories.create_user(org, ["agent"], email="maire@ville-a.fr")
    # The right person logged in once on their usual machine: it is remembered.
    assert _login(client, "maire@ville-a.fr", factories.PASSWORD, "192.0.2.1").status_code == 302
    assert client.get_cookie("cp_device") is not None
    client.post("/deconnexion")
    # Strangers from three addresses: two guesses each fill the account's ceiling.
    for n in range(3):
        stranger = app.test_client()
        for _ in range(2):
            assert _login(stranger, "maire@ville-a.fr", "devinette", f"203.0.113.{n}"
                          ).status_code == 200
    newcomer = app.test_client()
    resp = _login(newcomer, "maire@ville-a.fr", factories.PASSWORD, "203.0.113.50")
    assert resp.status_code == 429  # the ceiling holds against a fresh address
    # … but not against the right person on the remembered device.
    assert _login(client, "maire@ville-a.fr", factories.PASSWORD, "192.0.2.1").status_code == 302


def test_one_person_mistyping_does_not_lock_out_the_shared_address(app, org, strict):
    strict(ip="20/60", account_ip="3/900", account="30/900")
    factories.create_user(org, ["agent"], email="distrait@ville-a.fr")
    factories.create_user(org, ["agent"], email="collegue@ville-a.fr")
    town_hall = "192.0.2.10"
    first, second = app.test_client(), app.test_client()
    for _ in range(3):
        assert _login(first, "distrait@ville-a.fr", "faux", town_hall).status_code == 200
    assert _login(first, "distrait@ville-a.fr", factories.PASSWORD, town_hall).status_code == 429
    assert _login(second, "collegue@ville-a.fr", factories.PASSWORD, town_hall
                  ).status_code == 302


def test_the_address_limit_still_stops_spraying(app, org, strict):
    strict(ip="4/60", account_ip="100/900", account="100/900")
    sprayer = app.test_client()
    for n in range(4):
        assert _login(sprayer, f"inconnu{n}@ville-a.fr", "faux", "198.51.100.9").status_code == 200
    assert _login(sprayer, "autre@ville-a.fr", "faux", "198.51.100.9").status_code == 429


def test_a_remembered_device_has_its_own_limit(app, client, org, strict):
    strict(ip="100/60", account_ip="100/900", account="100/900", device="2/900")
    factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    assert _login(client, "agent@ville-a.fr", factories.PASSWORD, "192.0.2.1").status_code == 302
    client.post("/deconnexion")
    for _ in range(2):
        assert _login(client, "agent@ville-a.fr", "faux", "192.0.2.1").status_code == 200
    assert _login(client, "agent@ville-a.fr", factories.PASSWORD, "192.0.2.1").status_code == 429


def test_a_forged_or_foreign_device_cookie_is_a_stranger(app, org, strict):
    strict(ip="100/60", account_ip="100/900", account="2/900", device="100/900")
    victim = factories.create_user(org, ["agent"], email="cible@ville-a.fr")
    other = factories.create_user(org, ["agent"], email="autre@ville-a.fr")
    key = app.config["SECRET_KEY"]
    for value in (login.device_cookie(other.account_id, key),  # someone else's device
                  login.device_cookie(victim.account_id, "une autre clé"),  # not signed by us
                  "n'importe quoi"):
        attacker = app.test_client()
        attacker.set_cookie("cp_device", value)
        assert login.read_device(value, key, user_id=victim.account_id, max_days=90) is None
        _login(attacker, "cible@ville-a.fr", "faux", "203.0.113.7")
    # Three guesses counted on the account's ceiling (2): the last was refused.
    attacker = app.test_client()
    attacker.set_cookie("cp_device", login.device_cookie(other.account_id, key))
    assert _login(attacker, "cible@ville-a.fr", factories.PASSWORD, "203.0.113.8"
                  ).status_code == 429
