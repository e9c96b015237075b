"""axe-core on every page of the portal, for each role, with the demo data; and
reflow at 320 CSS pixels. The page list is derived from the URL map and the
access table, so a new page is audited without anyone adding it here."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from tests.access import all_objects, all_rules
from tests.e2e.conftest import axe_violations, login

pytestmark = pytest.mark.e2e

DEMO_USER_OF_ROLE = {
    "agent": "karim.benali@demo.example",
    "trainer": "nathalie.dubois@demo.example",
    "project_lead": "thomas.girard@demo.example",
    "elected": "claire.moreau@demo.example",
    "admin": "sophie.martin@demo.example",
    "operator": "operateur@plateforme.example",
}
SKIP_ENDPOINTS = {"core.healthz", "accounts.logout"}
DOWNLOADS = {"csv", "pdf", "zip", "json", "png", "jpg", "jpeg", "gif", "webp", "txt"}


def _visit(page, url):
    """Open `url`; None when it is not an HTML page (a download, JSON…)."""
    try:
        resp = page.goto(url)
    except Exception as err:  # Playwright raises when the URL starts a download
        if "Download is starting" in str(err):
            return None
        raise
    if resp is None or "text/html" not in (resp.headers.get("content-type") or ""):
        return None
    return resp


@pytest.fixture(scope="module")
def pages(live_server):
    """(role, url) of every GET page, with ids of demo rows for parameterised routes."""
    rules = all_rules()
    with live_server.app_context():
        org = db.session.scalars(select(Organisation).where(Organisation.slug == "demo")).one()
        # The demo's first membership of each person (one also works elsewhere).
        users = {role: db.session.scalars(
                     select(User).where(User.email == email).order_by(User.id)).first()
                 for role, email in DEMO_USER_OF_ROLE.items()}
        values = all_objects(org, users)
        db.session.commit()
        found = []
        for rule in live_server.url_map.iter_rules():
            if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint not in rules:
                continue  # (test_access fails for routes missing from the table)
            if "GET" not in rule.methods or not set(rule.arguments) <= set(values):
                continue
            if rule.rule.rsplit(".", 1)[-1] in DOWNLOADS:
                continue  # files, not pages
            with live_server.test_request_context():
                url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
            for role in DEMO_USER_OF_ROLE:
                if rules[rule.endpoint].allows(role):
                    found.append((role, url))
    return sorted(set(found))


@pytest.mark.parametrize("role", list(DEMO_USER_OF_ROLE))
def test_no_axe_violation_on_any_page(new_page, pages, role):
    page = new_page()
    login(page, DEMO_USER_OF_ROLE[role])
    failures = []
    audited = 0
    for page_role, url in pages:
        if page_role != role:
            continue
        resp = _visit(page, url)
        if resp is None:
            continue
        audited += 1
        for v in axe_violations(page):
            failures.append(f"{url}: {v['id']} ({v['help']}) at {v['nodes']}")
    assert audited > 0
    assert failures == [], "\n".join(failures)


def test_anonymous_pages_pass_axe(new_page):
    page = new_page()
    failures = []
    for url in ("/", "/connexion", "/mot-de-passe-oublie", "/accessibilite",
                "/donnees-ouvertes", "/verifier", "/verifier/CODE-INCONNU", "/page-inexistante"):
        page.goto(url)
        failures += [f"{url}: {v['id']} {v['nodes']}" for v in axe_violations(page)]
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_reflow_at_320_pixels(new_page, pages, role):
    page = new_page(width=320)
    login(page, DEMO_USER_OF_ROLE[role])
    too_wide = []
    for page_role, url in pages:
        if page_role != role:
            continue
        if _visit(page, url) is None:
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append(f"{url}: {width}px")
    assert too_wide == [], "\n".join(too_wide)


def test_skip_link_moves_focus_to_content(new_page):
    page = new_page()
    page.goto("/accessibilite")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
