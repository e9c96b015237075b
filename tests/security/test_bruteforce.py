"""Login throttling under a burst of concurrent attempts, against a real server."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from change_portal.extensions import db
from tests import factories
from tests.live import LiveServer

pytestmark = pytest.mark.e2e  # commits for real, in its own database


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def server(app):
    live = LiveServer("attack", redis_url=app.config.get("TEST_REDIS_URL"), demo=False, config={
        "WTF_CSRF_ENABLED": False,  # the attacker is assumed to have a valid form
        "LOGIN_LIMIT_IP": "6/60,30/3600",
        "LOGIN_LIMIT_ACCOUNT": "100/3600",
    })
    with live.app.app_context():
        org = factories.create_organisation(slug="cible")
        factories.create_user(org, ["agent"], email="victime@cible.fr")
        db.session.commit()
    yield live
    live.stop()


def _attempt(url: str, password: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode({"email": "victime@cible.fr", "password": password}).encode()
    try:
        return opener.open(f"{url}/connexion", data=data, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def test_100_concurrent_attempts_give_429_and_no_5xx(server):
    passwords = [factories.PASSWORD if n % 5 else "mauvais mot de passe" for n in range(100)]
    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = Counter(pool.map(lambda p: _attempt(server.url, p), passwords))
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[429] > 0, statuses
    # Only failures count: right passwords keep working until the IP has failed too often.
    assert set(statuses) <= {200, 302, 429}, statuses
