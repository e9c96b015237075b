"""Search: French-aware (accents, plurals), ranked, paginated, restricted to what the
person may see, kept up to date on every write. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
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
    results = search.search(org.id, ids, query, limit=50, offset=0)
    return [h.title for h in results.hits], results.total


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


def test_count_is_capped_and_only_the_newest_matches_are_ranked(app, client, org, login_as,
                                                                monkeypatch):
    """Beyond the cap the page says "Plus de N résultats"; the pages reach as far as
    the ranked candidates (the newest matches), whatever the number of matches."""
    monkeypatch.setitem(app.config, "FORUMS_SEARCH_COUNT_CAP", 5)
    monkeypatch.setitem(app.config, "FORUMS_SEARCH_CANDIDATES", 4)
    user = login_as("agent")
    topics = [ff.create_topic(org, user, title=f"Parapheur {i}", body="circuit de signature")
              for i in range(7)]
    ff.create_topic(org, user, title="Autre chose")
    page = _html(client.get("/forums/recherche?q=parapheur"))
    assert "Plus de 5 résultats pour « parapheur »" in page
    assert "Seuls les 4 messages les plus récents" in page
    assert "Page 1 sur" not in page  # 4 ranked hits: one page
    assert page.count('href="/forums/sujets/') == 4
    for topic in topics[3:]:
        assert f'href="/forums/sujets/{topic.id}#' in page
    results = search.search(org.id, [ff.category(org).id], "parapheur", limit=20, offset=0,
                            candidates=4, count_cap=5)
    assert (results.total, results.capped, results.ranked) == (5, True, 4)
    assert {h.topic_id for h in results.hits} == {t.id for t in topics[3:]}
    exact = search.search(org.id, [ff.category(org).id], "parapheur", limit=20, offset=0,
                          candidates=4, count_cap=7)
    assert (exact.total, exact.capped, exact.ranked) == (7, False, 4)
    past_the_end = search.search(org.id, [ff.category(org).id], "parapheur", limit=20,
                                 offset=20, candidates=4, count_cap=7)
    assert past_the_end.hits == [] and past_the_end.total == 7


def test_under_the_cap_the_count_is_exact(client, org, login_as):
    user = login_as("agent")
    for i in range(3):
        ff.create_topic(org, user, title=f"Parapheur {i}")
    page = _html(client.get("/forums/recherche?q=parapheur"))
    assert "3 résultat(s)" in page and "Plus de" not in page and "Seuls les" not in page


def test_moved_hidden_and_restored_posts_follow_in_the_index(org):
    user = factories.create_user(org)
    admin = factories.create_user(org, ["admin"])
    finance = factories.create_service(org, "Finances")
    secret = services.save_category(None, org, name="Budget", services=[finance])
    topic = ff.create_topic(org, user, title="Marchés publics", body="Le parapheur")
    assert _titles(org, user, "parapheur")[1] == 1
    services.move_topic(admin, topic, secret)
    assert _titles(org, user, "parapheur")[1] == 0
    assert _titles(org, admin, "parapheur")[1] == 1
    services.move_topic(admin, topic, ff.category(org))
    first = services.first_post(topic)
    services.hide_post(admin, first)
    assert _titles(org, user, "parapheur")[1] == 0
    services.restore_post(admin, first)
    assert _titles(org, user, "parapheur") == (["Marchés publics"], 1)


def _index_snapshot() -> list[tuple]:
    """The whole index as comparable rows (entry ids aside); on SQLite with the FTS
    table's text of each entry."""
    rows = db.session.execute(text(
        "SELECT post_id, organisation_id, topic_id, category_id, visible, title, body "
        "FROM forum_search ORDER BY post_id")).all()
    if db.session.get_bind().dialect.name == "sqlite":
        fts = db.session.execute(text(
            "SELECT s.post_id, f.title, f.body FROM forum_search s "
            "JOIN forum_search_fts f ON f.rowid = s.id ORDER BY s.post_id")).all()
        orphans = db.session.scalar(text(
            "SELECT count(*) FROM forum_search_fts WHERE rowid NOT IN "
            "(SELECT id FROM forum_search)"))
        return [tuple(r) for r in rows] + [tuple(r) for r in fts] + [("orphans", orphans)]
    return [tuple(r) for r in rows]


def _wipe_index() -> None:
    db.session.execute(text("DELETE FROM forum_search"))
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM forum_search_fts"))


class _Interrupted(Exception):
    pass


def test_reindex_resumes_after_an_interruption_with_the_same_index(org, other_org):
    user = factories.create_user(org)
    admin = factories.create_user(org, ["admin"])
    topic = ff.create_topic(org, user, title="Archivage numérique", replies=3)
    services.hide_post(admin, services.reply(user, topic, body="hors sujet", rate_limited=False))
    need = ff.create_need(org, title="Paiement en ligne")
    needs.update_need_fields(need.topic.author, need, public="particuliers", channel="accueil",
                             frequency="jour", impact="fort", workaround="chèques", services=[])
    ff.create_topic(other_org, title="Ailleurs", replies=2)
    posts = db.session.scalar(text("SELECT count(*) FROM forum_post"))
    _wipe_index()
    assert search.reindex_all(chunk_size=3) == posts
    full = _index_snapshot()
    assert len([r for r in full if len(r) == 7]) == posts

    _wipe_index()
    calls = []

    def interrupt(done, total, item):
        calls.append(done)
        raise _Interrupted

    with pytest.raises(_Interrupted):
        search.reindex_all(chunk_size=3, on_progress=interrupt)
    assert calls == [3]
    assert db.session.scalar(text("SELECT count(*) FROM forum_search")) == 3  # committed
    progress = []
    assert search.reindex_all(chunk_size=3, on_progress=lambda d, t, i: progress.append(d)) \
        == posts
    assert progress[0] == 6 and progress[-1] == posts  # resumed after the first chunk
    assert _index_snapshot() == full
    runs = db.session.execute(text(
        "SELECT finished_at FROM forum_search_reindex ORDER BY id")).all()
    assert all(r.finished_at is not None for r in runs)

    ids = db.session.scalars(text("SELECT id FROM forum_search ORDER BY post_id")).all()
    assert search.reindex_all(chunk_size=3) == posts  # a rerun over a full index
    assert db.session.scalars(text("SELECT id FROM forum_search ORDER BY post_id")).all() == ids
    assert _index_snapshot() == full
    assert _titles(org, user, "archivage")[1] == 1 and _titles(org, user, "cheque")[1] == 1
