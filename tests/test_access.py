"""Whole-app access checks: every route is declared, each role gets exactly what
the table says, ids of another collectivité are 404, every POST needs CSRF.

The two collectivités, a person of each role in each and the objects of every
domain are built once for the module (`world`); each case runs in a savepoint
rolled back to it (the `module_world` marker, tests/conftest.py)."""

from __future__ import annotations

import pytest
from flask import url_for

from change_portal import create_app
from change_portal.accounts.models import User
from change_portal.extensions import db
from tests import factories
from tests.access import MEMBER_ROLES, ROLES, all_rules, load_modules
from tests.conftest import module_session

pytestmark = pytest.mark.module_world

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


class World:
    """Collectivités "a" (Ville A) and "b" (Ville B), a member of each role in each,
    an operator (of no collectivité), and the URL values of
    every domain's objects (tests/access/rules_*.py `objects`), built once. A domain
    whose objects depend on the acting person (ACTOR_OBJECTS) gets a set per role."""

    def __init__(self):
        self.modules = list(load_modules())
        orgs = {"a": factories.create_organisation(slug="ville-a", name="Ville A"),
                "b": factories.create_organisation(slug="ville-b", name="Ville B")}
        self.users = {(key, role): factories.create_user(org, [role]).id
                      for key, org in orgs.items() for role in MEMBER_ROLES}
        self.users["a", "operator"] = factories.create_user(None, ["operator"]).id
        self.objects = {}
        for key, org in orgs.items():
            for module in self.modules:
                actors = [None]
                if getattr(module, "ACTOR_OBJECTS", False):
                    actors += sorted(MEMBER_ROLES)
                for actor in actors:
                    users = {actor: db.session.get(User, self.users[key, actor])} if actor else {}
                    self.objects[key, module.__name__, actor] = module.objects(org, users)

    def user(self, key: str, role: str) -> User:
        return db.session.get(User, self.users[key, role])

    def values(self, key: str, endpoint: str, arguments, actor: str | None) -> dict:
        """What `tests.access.objects_for` gives for `endpoint` when `actor` (a role,
        or None: anonymous, or a person of no collectivité) acts in `key`'s."""
        if not arguments:
            return {}

        def objects(module):
            # The actor's own set, or the one of a new agent (anonymous, no collectivité).
            mine = self.objects.get((key, module.__name__, actor))
            return mine or self.objects[key, module.__name__, None]

        for module in self.modules:
            if endpoint in module.RULES and set(arguments) <= set(objects(module)):
                return objects(module)
        merged: dict = {}
        for module in self.modules:
            merged.update(objects(module))
        return merged


@pytest.fixture(scope="module")
def world(app, module_connection):
    with module_session(app, module_connection):
        world = World()
    return world


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
def test_role_route_table(app, client, world, endpoint, actor):
    rule = RULES[endpoint]
    if actor != "anonymous":
        factories.log_in(client, world.user("a", actor))
    values = world.values("a", endpoint, _endpoints(app)[endpoint].arguments, actor)
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
def test_other_collectivite_is_404(app, client, world, endpoint, actor):
    """A member of Ville A who guesses ids of Ville B gets 404 (never 403, never data)."""
    factories.log_in(client, world.user("a", actor))
    rule = _endpoints(app)[endpoint]
    theirs = world.values("b", endpoint, rule.arguments, actor)
    url = _url(app, endpoint, theirs)
    for method in _methods(app, endpoint):
        resp = client.open(url, method=method, data=RULES[endpoint].form)
        assert resp.status_code == 404, f"{method} {url} as {actor}: {resp.status_code}"


UNSAFE = [
    ep for ep in sorted(RULES) if ep in _MAP and _MAP[ep].methods - {"GET", "HEAD", "OPTIONS"}
]


@pytest.mark.parametrize("endpoint", UNSAFE)
def test_post_without_csrf_token_is_refused(app, client, world, endpoint):
    methods = [m for m in _methods(app, endpoint) if m not in ("GET",)]
    rule = RULES[endpoint]
    actor = next((a for a in ACTORS if rule.allows(a)), None)
    if actor and actor != "anonymous":
        factories.log_in(client, world.user("a", actor))
    url = _url(app, endpoint,
               world.values("a", endpoint, _endpoints(app)[endpoint].arguments, None))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for method in methods:
            resp = client.open(url, method=method, data=rule.form)
            assert resp.status_code == 400, f"{method} {url} without CSRF: {resp.status_code}"
            assert "formulaire a expiré" in resp.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
