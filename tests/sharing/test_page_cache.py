"""The catalogue and the fiche pages keep what every reader sees in the cache
(issue 15) and are never stale: a change made by any collectivité, by the ORM or by
a bulk statement, shows on the next request of a reader of another collectivité, in
one process and across two app instances sharing Redis; what is personal (their
collectivité's interest, the forms' CSRF fields, the moderators' view, the authors'
current names) stays per reader."""

from __future__ import annotations

import re

import pytest
from flask import g
from flask_babel import refresh
from sqlalchemy import update

from change_portal.core import cache
from change_portal.extensions import db
from change_portal.sharing import qa, services
from change_portal.sharing.models import Fiche, FicheQuestion
from tests import factories
from tests.roadmap.factories import QueryCounter
from tests.sharing.factories import published_fiche

CATALOGUE = "/retours-experience/"


def _get(client, url) -> tuple[int, str]:
    with QueryCounter() as counter:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return counter.count, resp.get_data(as_text=True)


@pytest.fixture
def world(org, other_org):
    """A fiche of `org` (A), read by an agent of `other_org` (B); a third collectivité
    (C) that asks, answers and marks its interest."""
    fiche = published_fiche(org, title="Prise de rendez-vous en ligne",
                            summary="Les démarches se font en ligne.")
    third = factories.create_organisation(name="Agglo C")
    return {"fiche": fiche, "reader": factories.create_user(other_org, ["agent"]),
            "third": third, "asker": factories.create_user(third, ["agent"], name="Inès C")}


# --- the catalogue ----------------------------------------------------------------


def test_catalogue_cached_then_changes_by_any_collectivite_show_at_once(client, world):
    fiche, third = world["fiche"], world["third"]
    factories.log_in(client, world["reader"])
    client.get(CATALOGUE)
    hit, page = _get(client, CATALOGUE)
    assert "Prise de rendez-vous en ligne" in page and "0 collectivité(s)" in page
    # An ORM change of collectivité A's fiche, read by B: a rebuild (more SQL).
    fiche.published_content = {**fiche.published_content, "title": "Rendez-vous renommé"}
    db.session.commit()
    miss, page = _get(client, CATALOGUE)
    assert "Rendez-vous renommé" in page and miss > hit
    # C marks its interest (C's row): B's catalogue counts it.
    services.toggle_interest(world["asker"], fiche)
    db.session.commit()
    assert "1 collectivité(s) intéressée(s)" in _get(client, CATALOGUE)[1]
    # A bulk UPDATE statement.
    db.session.execute(update(Fiche).where(Fiche.id == fiche.id).values(interest_count=42))
    db.session.commit()
    assert "42 collectivité(s) intéressée(s)" in _get(client, CATALOGUE)[1]
    # C publishes a fiche: in B's catalogue and in its search at once.
    assert "Inventaire des données" not in _get(client, CATALOGUE + "?q=inventaire")[1]
    published_fiche(third, title="Inventaire des données", themes=["donnees"])
    db.session.commit()
    assert "Inventaire des données" in _get(client, CATALOGUE)[1]
    assert "Inventaire des données" in _get(client, CATALOGUE + "?q=inventaire")[1]
    assert "Inventaire des données" in _get(client, CATALOGUE + "?theme=donnees")[1]
    # Unpublished by A's admin: gone for B.
    services.unpublish(factories.create_user(fiche.organisation, ["admin"]), fiche)
    db.session.commit()
    assert "Rendez-vous renommé" not in _get(client, CATALOGUE)[1]


def test_catalogue_filters_are_part_of_the_key(client, world, other_org):
    published_fiche(world["third"], title="Inventaire des données", themes=["donnees"],
                    repo_url="https://forge.exemple.fr/inventaire")
    factories.log_in(client, world["reader"])
    everything = _get(client, CATALOGUE)[1]
    assert "Inventaire des données" in everything and "Prise de rendez-vous" in everything
    only = _get(client, CATALOGUE + "?code=1")[1]
    assert "Prise de rendez-vous" not in only and 'id="code" name="code" value="1" checked' in only
    assert "Inventaire" not in _get(client, CATALOGUE + "?theme=relation-usagers")[1]
    assert "Inventaire" in _get(client, CATALOGUE + "?theme=pas-un-theme")[1]  # ignored
    assert "Prise de rendez-vous" not in _get(client, CATALOGUE + "?q=inventaire")[1]
    assert 'value="Inventaire"' in _get(client, CATALOGUE + "?q=Inventaire")[1]  # as typed
    # The language is part of the key too.
    english_reader = factories.create_user(other_org, ["agent"])
    english_reader.locale = "en"
    factories.log_in(client, english_reader)
    refresh()  # the tests' requests share one app context, where Babel keeps the locale
    english = _get(client, CATALOGUE)[1]
    assert '<label for="theme">Theme</label>' in english and "including yours" not in english
    assert '<label for="theme">Thème</label>' in everything


def test_catalogue_interest_and_buttons_stay_personal(client, world, other_org):
    fiche = world["fiche"]
    services.toggle_interest(world["reader"], fiche)
    db.session.commit()
    factories.log_in(client, world["reader"])
    mine = _get(client, CATALOGUE)[1]
    assert "dont la vôtre" in mine and "Nos fiches" not in mine
    factories.log_in(client, factories.create_user(world["third"], ["project_lead"]))
    db.session.commit()
    hit, theirs = _get(client, CATALOGUE)
    assert "dont la vôtre" not in theirs and "Nos fiches" in theirs
    assert "1 collectivité(s) intéressée(s)" in theirs  # the same entry, its own marks
    assert "<!--" not in mine and "<!--" not in theirs  # every marker filled


# --- a fiche's page ---------------------------------------------------------------


def test_fiche_page_questions_and_answers_show_at_once(client, world):
    fiche, asker = world["fiche"], world["asker"]
    url = f"/retours-experience/{fiche.id}"
    question = qa.ask(asker, fiche, "Combien de **temps** ?", rate_limited=False)
    db.session.commit()
    factories.log_in(client, world["reader"])
    client.get(url)
    hit, page = _get(client, url)
    assert "<strong>temps</strong>" in page and "Inès C" in page and "Agglo C" in page
    # C answers (ORM, C's row): B sees it on the next request.
    qa.answer(asker, question, "Six mois.", rate_limited=False)
    db.session.commit()
    miss, page = _get(client, url)
    assert "Six mois." in page and miss > hit
    # A bulk UPDATE of the messages.
    db.session.execute(update(FicheQuestion).where(FicheQuestion.parent_id == question.id)
                       .values(body_html="<p>Huit mois.</p>"))
    db.session.commit()
    assert "Huit mois." in _get(client, url)[1]
    # The collectivité renamed, the snapshot revalidated: both show.
    world["third"].name = "Agglo C renommée"
    db.session.commit()
    assert "Agglo C renommée" in _get(client, url)[1]
    db.session.execute(update(Fiche).where(Fiche.id == fiche.id).values(
        published_content={**fiche.published_content, "summary": "Résumé revu."}))
    db.session.commit()
    assert "Résumé revu." in _get(client, url)[1]
    # Unpublished: 404, even though an entry was there.
    services.unpublish(factories.create_user(fiche.organisation, ["admin"]), fiche)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_authors_names_are_current_without_a_rebuild(client, world):
    fiche, asker = world["fiche"], world["asker"]
    url = f"/retours-experience/{fiche.id}"
    qa.ask(asker, fiche, "Une question", rate_limited=False)
    db.session.commit()
    factories.log_in(client, world["reader"])
    client.get(url)
    hit, page = _get(client, url)
    asker.full_name = "Inès Renommée"  # users are not watched: no rebuild, yet current
    db.session.commit()
    again, page = _get(client, url)
    assert "Inès Renommée" in page and "Inès C" not in page
    assert again <= hit  # the entry was not rebuilt (a rebuild reads the thread again)


def test_fiche_page_personal_parts(app, client, world, org):
    fiche, asker = world["fiche"], world["asker"]
    url = f"/retours-experience/{fiche.id}"
    question = qa.ask(asker, fiche, "Message déplacé", rate_limited=False)
    admin = factories.create_user(org, ["admin"])
    qa.set_hidden(admin, question, fiche, True)
    services.toggle_interest(world["reader"], fiche)
    db.session.commit()
    factories.log_in(client, world["reader"])
    reader = _get(client, url)[1]
    assert "Message masqué par la modération." in reader and "Message déplacé" not in reader
    assert 'aria-pressed="true"' in reader and "C'est une fiche de votre collectivité" not in reader
    factories.log_in(client, admin)
    moderator = _get(client, url)[1]
    assert "Message déplacé" in moderator and "Réafficher" in moderator
    assert "C'est une fiche de votre collectivité" in moderator
    assert "Ça nous intéresse" not in moderator
    factories.log_in(client, asker)
    theirs = _get(client, url)[1]
    assert "Message déplacé" not in theirs and 'aria-pressed="false"' in theirs


def test_each_reader_gets_their_own_csrf_tokens(app, client, world, org):
    fiche = world["fiche"]
    url = f"/retours-experience/{fiche.id}"
    qa.ask(world["asker"], fiche, "Une question", rate_limited=False)
    admin = factories.create_user(org, ["admin"])  # moderator: the hide forms too
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        tokens = []
        for user in (admin, admin, world["reader"]):
            other = app.test_client()
            factories.log_in(other, user)
            g.pop("csrf_token", None)  # the tests' requests share one `g`: not in production
            page = _get(other, url)[1]
            found = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page))
            assert len(found) == 1 and page.count('name="csrf_token"') >= 4, page
            tokens.append(found.pop())
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(set(tokens)) == 3  # three sessions, three tokens, one shared entry


def test_only_the_entrys_own_markers_are_filled(app, client, world):
    fiche = world["fiche"]
    question = qa.ask(world["asker"], fiche, "Une question", rate_limited=False)
    db.session.commit()
    # Markdown drops comments; even if a message held one, it lacks the entry's nonce.
    db.session.execute(update(FicheQuestion).where(FicheQuestion.id == question.id)
                       .values(body_html="<p>A</p><!--0123abcd:author:1--><p>B</p>"))
    db.session.commit()
    factories.log_in(client, world["reader"])
    page = _get(client, f"/retours-experience/{fiche.id}")[1]
    assert "<p>A</p><!--0123abcd:author:1--><p>B</p>" in page
    assert "Inès C" in page and page.count("<!--") == 1


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, other_org, two_redis_apps):
    one, two = two_redis_apps
    fiche = published_fiche(org, title="Prise de rendez-vous en ligne")
    asker = factories.create_user(factories.create_organisation(), ["agent"])
    question = qa.ask(asker, fiche, "Combien de temps ?", rate_limited=False)
    reader = factories.create_user(other_org, ["agent"])
    db.session.commit()
    clients = []
    for instance in (one, two):
        with instance.app_context():  # tokens left by an earlier run on the same ids
            cache.bump_all()
        c = instance.test_client()
        factories.log_in(c, reader)
        clients.append(c)
    page = f"/retours-experience/{fiche.id}"
    for c in clients:
        assert "Prise de rendez-vous en ligne" in c.get(CATALOGUE).get_data(as_text=True)
        assert "Combien de temps" in c.get(page).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(Fiche).where(Fiche.id == fiche.id)
                           .values(interest_count=7))
        db.session.commit()
    assert "7 collectivité(s)" in clients[0].get(CATALOGUE).get_data(as_text=True)
    with two.app_context():
        qa.answer(asker, db.session.get(FicheQuestion, question.id), "Réponse de B",
                  rate_limited=False)
        db.session.commit()
    assert "Réponse de B" in clients[0].get(page).get_data(as_text=True)
