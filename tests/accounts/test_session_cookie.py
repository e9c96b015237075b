"""The session cookie is not re-signed on every response (issue 15) and its expiry
does not slide: it stays at login time + SESSION_MAX_HOURS (issue 11, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from tests import factories

COOKIE = "cp_session"


def _set_cookies(resp) -> list[str]:
    return [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]


def _expires(header: str) -> datetime:
    part = next(p for p in header.split(";") if p.strip().lower().startswith("expires="))
    return parsedate_to_datetime(part.split("=", 1)[1].strip())


def _log_in(client, org) -> str:
    factories.create_user(org, ["agent"], email="cookie@ville-a.fr")
    resp = client.post("/connexion", data={"email": "cookie@ville-a.fr",
                                           "password": factories.PASSWORD})
    assert resp.status_code == 302
    (header,) = _set_cookies(resp)
    return header


def test_a_page_read_twice_sets_no_cookie_the_second_time(client, org):
    _log_in(client, org)
    client.get("/accueil")  # may store the page's CSRF token in the session: re-sent then
    for path in ("/accueil", "/modules/", "/forums/"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert _set_cookies(resp) == [], path


def test_the_expiry_is_fixed_at_login(app, client, org):
    login_cookie = _log_in(client, org)
    at_login = _expires(login_cookie)
    lifetime = app.permanent_session_lifetime
    assert abs(at_login - (datetime.now(UTC) + lifetime)) < timedelta(minutes=1)
    # An hour later, writes of the session (a CSRF token, the language) keep the
    # expiry of the login instead of pushing it to now + lifetime.
    an_hour_ago = at_login - timedelta(hours=1)
    with client.session_transaction() as sess:
        sess["_exp"] = int(an_hour_ago.timestamp())
    rewritten = []
    for resp in (client.get("/accueil"),
                 client.post("/langue", data={"lang": "en", "next": "/accueil"})):
        rewritten += _set_cookies(resp)
    assert rewritten, "the session was expected to change (token, language)"
    assert {_expires(h) for h in rewritten} == {an_hour_ago}


def test_a_visitor_gets_no_session_cookie_for_a_public_page(client):
    resp = client.get("/connexion")
    assert resp.status_code == 200
    assert all("Expires" not in h for h in _set_cookies(resp))  # never a permanent one
