"""The main menu is rendered once per (language, flags) and reused (issue 15): what
each person sees and the current section must stay exactly right."""

from __future__ import annotations

import re

from tests import factories


def _nav(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)


def _current(nav: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)<', nav)


def test_the_menu_follows_roles_section_and_language(app, client, org, login_as):
    login_as("agent")
    nav = _nav(client, "/forums/")
    assert "Forums et besoins" in nav and "Administration" not in nav
    assert _current(nav) == ["Forums et besoins"]
    assert _current(_nav(client, "/accueil")) == ["Accueil"]
    assert _current(_nav(client, "/modules/")) == ["Modules"]

    admin = factories.create_user(org, ["admin"])
    login_as(admin)
    nav = _nav(client, "/admin/utilisateurs")
    assert _current(nav) == ["Administration"]
    assert "Plateforme" not in nav


def test_each_language_has_its_own_menu(app, client, login_as):
    login_as("agent")
    # (a first request of these tests fixes the locale of the shared app context)
    client.post("/langue", data={"lang": "en", "next": "/accueil"})
    assert _current(_nav(client, "/accueil")) == ["Home"]
    languages = {key[1] for key in app.extensions["cp_fragments"].entries}
    assert "en" in languages


def test_an_operator_sees_the_platform_menu_only(client, login_as):
    login_as("operator")
    nav = _nav(client, "/plateforme/collectivites")
    assert "Plateforme" in nav and "Forums et besoins" not in nav
    assert _current(nav) == ["Plateforme"]


def test_the_menu_is_rendered_once_per_key(app, client, login_as):
    cache = app.extensions["cp_fragments"]
    login_as("agent")
    client.get("/forums/")
    entries = dict(cache.entries)
    client.get("/forums/")
    client.get("/forums/besoins")  # same section, same flags: the same entry
    assert cache.entries == entries
