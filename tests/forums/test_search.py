"""Search: French-aware (accents, plurals), ranked, paginated, restricted to what the
person may see, kept up to date on every write. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from change_portal.extensions import db
from forums import needs, search, services
from tests import factories
from tests.forums import factories as ff


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def _titles(org, user, query):
    from forums import queries

    ids = [c.id for c in queries.visible_categories(user)]
    hits, total = search.search(org.id, ids, query, limit=50, offset=0)
    from forums.models import Topic

    return [db.session.get(Topic, h.topic_id).title for h in hits], total


def test_normalise_accents_and_plurals():
    assert search.normalise("Démarches en LIGNE") == "demarche en ligne"
    assert search.normalise("Les journaux") == "les journau"
    assert search.query_terms("la démarche") == ["demarche"]


def test_accents_and_plurals_both_ways(org):
    user = factories.create_user(org)
    ff.create_topic(org, title="Les Démarches en ligne", body="Formulaires compliqués")
    ff.create_topic(org, title="Cantine", body="Une démarche papier")
    titles, total = _titles(org, user, "démarche")
    assert set(titles) == {"Les Démarches en ligne", "Cantine"} and total == 2
    titles, _ = _titles(org, user, "demarches")
    assert set(titles) == {"Les Démarches en ligne", "Cantine"}
    titles, _ = _titles(org, user, "formulaire")
    assert titles == ["Les Démarches en ligne"]


def test_title_match_ranks_first(org):
    user = factories.create_user(org)
    ff.create_topic(org, title="Réunion", body="On parlera aussi de signature électronique")
    ff.create_topic(org, title="Signature électronique des arrêtés", body="Quel outil ?")
    titles, _ = _titles(org, user, "signature")
    assert titles[0] == "Signature électronique des arrêtés"


def test_restricted_hidden_deleted_and_other_tenant_are_excluded(org, other_org):
    user = factories.create_user(org)
    admin = factories.create_user(org, ["admin"])
    finance = factories.create_service(org, "Finances")
    secret = services.save_category(None, org, name="Budget", services=[finance])
    ff.create_topic(org, factories.create_user(org, service=finance), cat=secret,
                    title="Parapheur budgétaire")
    topic = ff.create_topic(org, title="Autre sujet")
    hidden = services.reply(factories.create_user(org), topic, body="parapheur caché",
                            rate_limited=False)
    services.hide_post(admin, hidden)
    gone = services.reply(user, topic, body="parapheur supprimé", rate_limited=False)
    services.delete_post(user, gone)
    ff.create_topic(other_org, title="Parapheur ailleurs")
    assert _titles(org, user, "parapheur") == ([], 0)
    titles, _ = _titles(org, admin, "parapheur")
    assert titles == ["Parapheur budgétaire"]


def test_edits_and_needs_are_indexed(org):
    user = factories.create_user(org)
    topic = ff.create_topic(org, user, title="Sujet", body="ancien texte")
    services.edit_post(user, services.first_post(topic), body="nouvelle imprimante")
    assert _titles(org, user, "imprimante")[1] == 1
    assert _titles(org, user, "ancien")[1] == 0
    need = ff.create_need(org, title="Paiement de la cantine")
    needs.update_need_fields(need.topic.author, need, public="particuliers",
                             channel="accueil", frequency="jour", impact="fort",
                             workaround="chèques à l'accueil", services=[])
    assert _titles(org, user, "cheque")[0] == ["Paiement de la cantine"]


def test_search_page_paginates_and_escapes_queries(client, org, login_as):
    user = login_as("agent")
    for i in range(23):
        ff.create_topic(org, user, title=f"Téléphone {i}", body="standard")
    page1 = _html(client.get("/forums/recherche?q=telephones"))
    assert "23 résultat(s)" in page1 and "Page 1 sur 2" in page1
    page2 = _html(client.get("/forums/recherche?q=telephones&page=2"))
    assert page2.count("/forums/sujets/") >= 3
    from tests import xss

    for payload in xss.html_payloads()[:40]:
        resp = client.get("/forums/recherche", query_string={"q": payload})
        assert resp.status_code == 200
        body = _html(resp)
        assert "<" not in payload or payload not in body  # printed escaped only


def test_weird_queries_are_not_errors(client, org, login_as):
    login_as("agent")
    ff.create_topic(org, title="Quoi")
    for q in ['"', "AND OR NOT", "*", "NEAR(", "'; DROP TABLE", "-", "é" * 300, "le la les"]:
        assert client.get("/forums/recherche", query_string={"q": q}).status_code == 200


def test_reindex_cli_rebuilds(runner, org):
    user = factories.create_user(org)
    ff.create_topic(org, user, title="Archivage numérique")
    db.session.execute(text("DELETE FROM forum_search"))
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM forum_search_fts"))
    assert _titles(org, user, "archivage")[1] == 0
    count = search.reindex_all(org.id)
    assert count >= 1
    assert _titles(org, user, "archivage")[1] == 1


def test_reindex_command(runner, org):
    user = factories.create_user(org)
    ff.create_topic(org, user, title="Dématérialisation des factures")
    result = runner.invoke(args=["forums", "reindex", "--organisation-id", str(org.id)])
    assert result.exit_code == 0 and "indexed" in result.output
    assert _titles(org, user, "dematerialisation")[1] == 1


def test_defaults_command_fills_missing_categories(runner, org):
    from sqlalchemy import delete

    from forums.models import Category

    db.session.execute(delete(Category).where(Category.organisation_id == org.id))
    result = runner.invoke(args=["forums", "defaults"])
    assert result.exit_code == 0
    assert ff.category(org) is not None


def test_results_show_plain_text_excerpts_with_words_marked(client, org, login_as):
    user = login_as("agent")
    ff.create_topic(org, user, title="Accueil", body=(
        "**Objet** : " + "contexte " * 60 + "les usagers veulent un [rendez-vous](https://x.fr) "
        "en ligne pour l'état civil"))
    page = _html(client.get("/forums/recherche", query_string={"q": "rendez-vous"}))
    result = page[page.index('class="search-results"'):]
    assert "<mark>rendez-vous</mark>" in result
    assert "**Objet**" not in result and "](https://x.fr)" not in result  # no raw Markdown
    assert "… " in result  # the window starts near the match, not at the top
