"""Categories, topics, replies: writing, preview, quote, edit, delete, useful,
accepted answer, locked topics, anonymous posting, flooding and bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from change_portal.extensions import db
from forums import services
from forums.models import Category, Post, PostRevision, Reaction, Topic
from tests import factories
from tests.forums import factories as ff


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def test_new_collectivite_gets_default_categories(org):
    names = set(db.session.scalars(select(Category.name).where(
        Category.organisation_id == org.id)))
    assert {"Accueil et démarches", "Outils internes", "Questions et inquiétudes",
            "Idées"} <= names
    worries = ff.category(org, "Questions et inquiétudes")
    assert worries.allow_anonymous
    assert not ff.category(org).allow_anonymous


def test_category_for_project_is_created_once(org):
    from change_portal.projects.models import Project

    project = Project(organisation_id=org.id, title="Guichet numérique")
    db.session.add(project)
    db.session.flush()
    cat = services.category_for_project(project)
    assert cat.project_id == project.id
    assert services.category_for_project(project).id == cat.id


def test_create_topic_and_reply_through_pages(client, org, login_as):
    agent = login_as("agent")
    cat = ff.category(org)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "Horaires d'été", "body": "Les **horaires** changent ?",
                             "submit": "Publier"})
    assert resp.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "Horaires d'été"))
    assert topic.author_id == agent.id
    first = services.first_post(topic)
    assert "<strong>horaires</strong>" in first.body_html  # HTML stored at save time
    resp = client.post(f"/forums/sujets/{topic.id}/repondre",
                       data={"body": "Oui, dès juillet.", "submit": "Publier"})
    assert resp.status_code == 302
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert "Oui, dès juillet." in page and "Horaires d&#39;été" in page


def test_preview_renders_without_saving(client, org, login_as):
    login_as("agent")
    cat = ff.category(org)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "Essai", "body": "*penché*", "preview": "Prévisualiser"})
    assert resp.status_code == 200
    page = _html(resp)
    assert "<em>penché</em>" in page and "Aperçu" in page
    assert "*penché*" in page  # the text stays in the form
    assert db.session.scalar(select(func.count(Topic.id)).where(Topic.title == "Essai")) == 0


def test_quote_prefills_reply_form_without_js(client, org, login_as):
    user = login_as("agent")
    topic = ff.create_topic(org, user, body="Première ligne\nSeconde ligne")
    post = services.first_post(topic)
    page = _html(client.get(f"/forums/sujets/{topic.id}?citer={post.id}"))
    assert "&gt; Première ligne" in page and "&gt; Seconde ligne" in page


def test_edit_keeps_history_visible_to_moderators(client, org, login_as):
    author = factories.create_user(org, ["agent"])
    topic = ff.create_topic(org, author, body="Version 1")
    post = services.first_post(topic)
    login_as(author)
    resp = client.post(f"/forums/messages/{post.id}/modifier",
                       data={"title": "Un sujet", "body": "Version 2", "submit": "x"})
    assert resp.status_code == 302
    assert post.body == "Version 2" and post.edited_at is not None
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id))
    assert [r.body for r in revisions] == ["Version 1"]
    # the author is no moderator: no history page
    assert client.get(f"/forums/messages/{post.id}/historique").status_code == 403
    login_as("admin")
    history = _html(client.get(f"/forums/messages/{post.id}/historique"))
    assert "Version 1" in history and "Version 2" in history


def test_someone_elses_post_cannot_be_edited_or_deleted(client, org, login_as):
    topic = ff.create_topic(org, body="À moi")
    post = services.first_post(topic)
    login_as("agent")
    assert client.get(f"/forums/messages/{post.id}/modifier").status_code == 403
    assert client.post(f"/forums/messages/{post.id}/modifier",
                       data={"body": "piraté"}).status_code == 403
    assert client.post(f"/forums/messages/{post.id}/supprimer").status_code == 403
    assert post.body == "À moi" and post.deleted_at is None


def test_delete_own_post_keeps_thread_shape(client, org, login_as):
    user = login_as("agent")
    topic = ff.create_topic(org, user)
    reply = services.reply(user, topic, body="Texte à retirer", rate_limited=False)
    services.reply(factories.create_user(org), topic, body="Réponse suivante",
                   rate_limited=False)
    assert client.post(f"/forums/messages/{reply.id}/supprimer").status_code == 302
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert "Message supprimé" in page and "Texte à retirer" not in page
    assert "Réponse suivante" in page
    assert db.session.get(Post, reply.id) is not None


def test_empty_and_oversized_input_keeps_the_text(client, org, login_as):
    login_as("agent")
    cat = ff.category(org)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "", "body": "mon texte précieux", "submit": "x"})
    assert resp.status_code == 200
    assert "Indiquez un titre." in _html(resp) and "mon texte précieux" in _html(resp)
    long_title = "t" * 200
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": long_title, "body": "corps", "submit": "x"})
    assert "Ce titre est trop long : 140 caractères au plus." in _html(resp)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "ok", "body": "x" * 20_001, "submit": "x"})
    assert "Ce message est trop long" in _html(resp)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                       data={"title": "ok", "body": "   ", "submit": "x"})
    assert "Le message est vide" in _html(resp)
    assert db.session.scalar(select(func.count(Topic.id)).where(
        Topic.organisation_id == org.id)) == 0


def test_locked_topic_refuses_replies(client, org, login_as):
    admin = factories.create_user(org, ["admin"])
    topic = ff.create_topic(org)
    services.set_locked(admin, topic, True)
    login_as("agent")
    resp = client.post(f"/forums/sujets/{topic.id}/repondre",
                       data={"body": "Encore un mot", "submit": "x"})
    assert resp.status_code == 200
    page = _html(resp)
    assert "verrouillé" in page and "Encore un mot" in page
    assert topic.reply_count == 0


def test_useful_once_per_person_and_not_on_own_post(client, org, login_as):
    topic = ff.create_topic(org)
    post = services.first_post(topic)
    user = login_as("agent")
    client.post(f"/forums/messages/{post.id}/utile")
    assert db.session.scalar(select(func.count(Reaction.id)).where(
        Reaction.post_id == post.id)) == 1
    client.post(f"/forums/messages/{post.id}/utile")  # takes it back
    assert db.session.scalar(select(func.count(Reaction.id)).where(
        Reaction.post_id == post.id)) == 0
    own = ff.create_topic(org, user)
    resp = client.post(f"/forums/messages/{services.first_post(own).id}/utile",
                       follow_redirects=True)
    assert "votre propre message" in _html(resp)


def test_accepted_answer_by_author_or_moderator_only(client, org, login_as):
    author = factories.create_user(org)
    topic = ff.create_topic(org, author, title="Comment scanner ?")
    answer = services.reply(factories.create_user(org), topic, body="Avec la borne.",
                            rate_limited=False)
    login_as("agent")
    assert client.post(f"/forums/messages/{answer.id}/reponse-retenue").status_code == 403
    login_as(author)
    client.post(f"/forums/messages/{answer.id}/reponse-retenue")
    assert topic.accepted_post_id == answer.id
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert page.index("Réponse retenue") < page.index("Discussion")


def test_anonymous_post_hidden_from_colleagues_visible_to_moderators(client, org, login_as):
    author = factories.create_user(org, name="Julie Secret")
    worries = ff.category(org, "Questions et inquiétudes")
    topic = ff.create_topic(org, author, cat=worries, anonymous=True, title="Inquiétude")
    login_as("agent")
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert "Julie Secret" not in page and "Un·e agent·e" in page
    listing = _html(client.get(f"/forums/categories/{worries.id}"))
    assert "Julie Secret" not in listing
    login_as("admin")
    page = _html(client.get(f"/forums/sujets/{topic.id}"))
    assert "Julie Secret" in page


def test_anonymous_refused_where_not_allowed(org):
    user = factories.create_user(org)
    import pytest

    from change_portal.core.errors import DomainError

    with pytest.raises(DomainError):
        services.create_topic(user, ff.category(org), title="x", body="y", anonymous=True)


def test_flooding_answers_429_and_keeps_the_text(app, client, org, login_as):
    login_as("agent")
    cat = ff.category(org)
    app.config["FORUMS_POST_LIMIT"] = "2/300"
    try:
        for i in range(2):
            assert client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                               data={"title": f"Sujet {i}", "body": "x",
                                     "submit": "x"}).status_code == 302
        resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet",
                           data={"title": "Sujet 3", "body": "mon long texte", "submit": "x"})
    finally:
        app.config.pop("FORUMS_POST_LIMIT")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"]
    page = _html(resp)
    assert "réessayez dans" in page and "mon long texte" in page


def test_restricted_category_is_invisible_to_others(client, org, login_as):
    service = factories.create_service(org, "Finances")
    cat = services.save_category(None, org, name="Entre financiers", services=[service])
    topic = ff.create_topic(org, factories.create_user(org, service=service), cat=cat)
    login_as("agent")
    assert client.get(f"/forums/categories/{cat.id}").status_code == 404
    assert client.get(f"/forums/sujets/{topic.id}").status_code == 404
    assert "Entre financiers" not in _html(client.get("/forums/"))
    login_as(factories.create_user(org, ["agent"], service=service))
    assert client.get(f"/forums/sujets/{topic.id}").status_code == 200


def test_other_collectivite_ids_are_404(client, org, other_org, login_as):
    theirs = ff.create_topic(other_org)
    login_as("admin")
    assert client.get(f"/forums/sujets/{theirs.id}").status_code == 404
    post = services.first_post(theirs)
    assert client.post(f"/forums/messages/{post.id}/supprimer").status_code == 404


def test_topic_and_category_pagination(client, org, login_as):
    user = login_as("agent")
    topic = ff.create_topic(org, user, replies=25)
    page2 = _html(client.get(f"/forums/sujets/{topic.id}?page=2"))
    assert "Réponse 24" in page2 and "Réponse 0" not in page2
    assert client.get(f"/forums/sujets/{topic.id}?page=9").status_code == 404
    assert client.get(f"/forums/sujets/{topic.id}?page=abc").status_code == 404


def test_admin_manages_categories(client, org, login_as):
    login_as("admin")
    mod = factories.create_user(org, ["agent"], name="Modératrice Une")
    resp = client.post("/forums/admin/categories/nouvelle",
                       data={"name": "Numérique responsable", "description": "Sobriété",
                             "roles": ["agent"], "moderators": [mod.id]})
    assert resp.status_code == 302
    cat = db.session.scalar(select(Category).where(Category.name == "Numérique responsable"))
    assert cat.role_list == ["agent"] and [m.id for m in cat.moderators] == [mod.id]
    resp = client.post("/forums/admin/categories/nouvelle", data={"name": "Idées"})
    assert "Une catégorie porte déjà ce nom." in _html(resp)
    # The list names the roles by their label, not their stored value.
    listing = _html(client.get("/forums/admin/categories"))
    assert "Agent" in listing
    client.post(f"/forums/admin/categories/{cat.id}", data={
        "name": cat.name, "roles": ["agent", "project_lead"], "moderators": [mod.id]})
    listing = _html(client.get("/forums/admin/categories"))
    assert "Chef·fe de projet" in listing and "project_lead" not in listing


def test_previews_are_throttled_like_posts(app, client, org, login_as):
    """Issue 11.1: "Prévisualiser" renders without storing; past the limit it
    answers 429 and keeps the text, on every form that previews."""
    login_as("agent")
    cat = ff.category(org)
    app.config["FORUMS_PREVIEW_LIMIT"] = "2/300"
    try:
        for _i in range(2):
            assert client.post(f"/forums/categories/{cat.id}/nouveau-sujet", data={
                "title": "Essai", "body": "*x*", "preview": "Prévisualiser"}).status_code == 200
        resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet", data={
            "title": "Essai", "body": "mon brouillon", "preview": "Prévisualiser"})
        topic = ff.create_topic(org, cat=cat)
        reply = client.post(f"/forums/sujets/{topic.id}/repondre", data={
            "body": "ma réponse", "preview": "Prévisualiser"})
    finally:
        app.config.pop("FORUMS_PREVIEW_LIMIT")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"]
    page = _html(resp)
    assert "réessayez dans" in page and "mon brouillon" in page
    assert reply.status_code == 429 and "ma réponse" in _html(reply)


def test_quoting_an_anonymous_message_never_publishes_the_name(client, org, login_as):
    """Issue 11, item 8: "Citer" uses the public label, even for the author or a moderator."""
    worries = ff.category(org, "Questions et inquiétudes")
    author = factories.create_user(org, name="Julie Secret")
    topic = ff.create_topic(org, author, cat=worries, anonymous=True, title="Inquiétude")
    post = services.first_post(topic)
    for quoter in (author, factories.create_user(org, ["admin"]),
                   factories.create_user(org, ["agent"])):
        login_as(quoter)
        page = _html(client.get(f"/forums/sujets/{topic.id}?citer={post.id}"))
        quote = page[page.index('name="body"'):]
        quote = quote[:quote.index("</textarea>")]
        assert "&gt; **Un·e agent·e** :" in quote, quote
        assert "Julie Secret" not in quote
