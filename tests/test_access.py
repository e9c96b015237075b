"""Whole-app access checks: every route is declared, each role gets exactly what
the table says, ids of another collectivité are 404, every POST needs CSRF."""

from __future__ import annotations

import pytest
from flask import url_for

from change_portal import create_app
from tests import factories
from tests.access import ROLES, all_rules, objects_for

RULES = all_rules()
ACTORS = ("anonymous", *ROLES)
# The URL map, read once at collection time to choose the cases (no database).
_MAP = {
    r.endpoint: r
    for r in create_app({"SECRET_KEY": "collection-only"}).url_map.iter_rules()
    if r.endpoint != "static"
}


def _endpoints(app):
    return {r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_route_is_declared(app):
    declared = set(RULES)
    routes = set(_endpoints(app))
    assert routes - declared == set(), "routes missing from the access table"
    assert declared - routes == set(), "access table lists routes that do not exist"


def test_every_view_declares_its_access(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        rule = getattr(view, "access_rule", None)
        assert rule is not None, f"{endpoint} has no access decorator"
        expected = RULES[endpoint].allowed
        assert rule == expected, f"{endpoint}: view says {rule!r}, table says {expected!r}"


def _url(app, endpoint, values):
    rule = _endpoints(app)[endpoint]
    kwargs = {arg: values[arg] for arg in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **kwargs)


def _methods(app, endpoint):
    return sorted(_endpoints(app)[endpoint].methods - {"HEAD", "OPTIONS"})


CASES = [(ep, actor) for ep in sorted(RULES) for actor in ACTORS]


@pytest.mark.parametrize(("endpoint", "actor"), CASES)
def test_role_route_table(app, client, org, login_as, endpoint, actor):
    rule = RULES[endpoint]
    users = {}
    if actor != "anonymous":
        users[actor] = login_as(actor)
    values = objects_for(endpoint, _endpoints(app)[endpoint].arguments, org, users)
    url = _url(app, endpoint, values)
    for method in _methods(app, endpoint):
        resp = client.open(url, method=method, data=rule.form)
        status = resp.status_code
        location = resp.headers.get("Location", "")
        if rule.allows(actor):
            assert status not in (401, 403), f"{actor} refused on {method} {url}"
            assert "/connexion" not in location or endpoint.startswith("accounts."), (
                f"{actor} sent to login on {method} {url}"
            )
            assert status < 500, f"{method} {url} as {actor}: {status}"
        elif actor == "anonymous":
            assert status in (302, 401), f"anonymous got {status} on {method} {url}"
            if status == 302:
                assert "/connexion" in location
        else:
            assert status == 403, f"{actor} got {status} on {method} {url} (expected 403)"


TENANT_CASES = [
    (ep, actor)
    for ep, rule in sorted(RULES.items())
    if rule.tenant and ep in _MAP and _MAP[ep].arguments - {"token"}
    for actor in ROLES
    if rule.allows(actor)
]


@pytest.mark.parametrize(("endpoint", "actor"), TENANT_CASES)
def test_other_collectivite_is_404(app, client, org, other_org, login_as, endpoint, actor):
    """A member of `org` who guesses ids of `other_org` gets 404 (never 403, never data)."""
    login_as(actor)
    rule = _endpoints(app)[endpoint]
    theirs = objects_for(endpoint, rule.arguments, other_org,
                         {actor: factories.create_user(other_org, [actor])})
    url = _url(app, endpoint, theirs)
    for method in _methods(app, endpoint):
        resp = client.open(url, method=method, data=RULES[endpoint].form)
        assert resp.status_code == 404, f"{method} {url} as {actor}: {resp.status_code}"


UNSAFE = [
    ep for ep in sorted(RULES) if ep in _MAP and _MAP[ep].methods - {"GET", "HEAD", "OPTIONS"}
]


@pytest.mark.parametrize("endpoint", UNSAFE)
def test_post_without_csrf_token_is_refused(app, client, org, login_as, endpoint):
    methods = [m for m in _methods(app, endpoint) if m not in ("GET",)]
    rule = RULES[endpoint]
    actor = next((a for a in ACTORS if rule.allows(a)), None)
    if actor and actor != "anonymous":
        login_as(actor)
    url = _url(app, endpoint, objects_for(endpoint, _endpoints(app)[endpoint].arguments, org, {}))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for method in methods:
            resp = client.open(url, method=method, data=rule.form)
            assert resp.status_code == 400, f"{method} {url} without CSRF: {resp.status_code}"
            assert "formulaire a expiré" in resp.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
