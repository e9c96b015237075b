"""Login throttling at the service level: counted first, atomically, under
concurrency; the lockout policy (address, account × address, ceiling, device)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.security import check_password_hash

from change_portal.accounts import login
from change_portal.extensions import db
from tests import factories

WIDE = "1000/60"


def _concurrent_attempts(app, n: int, limits: login.LoginLimits, *, password="mauvais") -> tuple:
    """n threads, each its own app context and database session, released at once."""
    evaluated = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def counting_check(hash_, password_):
        with lock:
            evaluated.append(1)
        return check_password_hash(hash_, password_)

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
    assert check_password_hash(user.password_hash, factories.PASSWORD)


def test_right_current_password_is_not_counted(client, login_as, strict):
    strict(account_ip="2/900")
    login_as("agent")
    assert _change(client, "une supposition fausse").status_code == 200
    resp = _change(client, factories.PASSWORD)
    assert resp.status_code == 302
