"""The catalogue's lists and the lessons' content are cached per collectivité (issue
15, courses.shared) and never stale: every committed change they are made of shows on
the next request; each audience sees its own catalogue; progress, quiz results and
the status filter stay personal."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select, update

from change_portal.core import cache
from change_portal.extensions import db
from courses import learning, queries, shared
from courses.models import Lesson, Module, ModuleVersion, Option, Question
from tests import factories
from tests.courses.factories import complete_module, create_module, module_files, write_module
from tests.roadmap.factories import QueryCounter

CATALOGUE = "/modules/"


def _lesson_url(module, key: str = "lecon-1") -> str:
    return f"/modules/{module.id}/lecons/{key}"


def _read(client, url: str) -> tuple[int, str]:
    db.session.commit()  # the same session as the requests: measure after a commit
    with QueryCounter() as counter:
        page = client.get(url).get_data(as_text=True)
    return counter.count, page


def _current(module) -> ModuleVersion:
    return db.session.scalar(select(ModuleVersion).where(
        ModuleVersion.module_id == module.id, ModuleVersion.is_current.is_(True)))


def test_catalogue_cached_then_rebuilt_at_once_after_a_change(client, login_as, org):
    login_as("agent")
    module = create_module(org, title="Sécurité au quotidien")
    db.session.commit()
    client.get(CATALOGUE)
    hit, page = _read(client, CATALOGUE)
    assert "Sécurité au quotidien" in page
    assert hit <= 3  # chrome and the learner's progress: the list came from the cache
    # An ORM change, committed: shown on the very next request (a rebuild: more SQL).
    _current(module).title = "Sécurité renommée"
    db.session.commit()
    miss, page = _read(client, CATALOGUE)
    assert "Sécurité renommée" in page and "Sécurité au quotidien" not in page
    assert miss > hit
    # A bulk UPDATE statement (no ORM object flushed) invalidates too.
    db.session.execute(update(ModuleVersion).where(ModuleVersion.module_id == module.id)
                       .values(summary="Un résumé tout neuf"))
    db.session.commit()
    assert "Un résumé tout neuf" in client.get(CATALOGUE).get_data(as_text=True)
    # A new shared module (no collectivité) shows for every collectivité.
    create_module(slug="module-partage", title="Module de la plateforme")
    db.session.commit()
    page = client.get(CATALOGUE).get_data(as_text=True)
    assert "Module de la plateforme" in page and "Module partagé" in page
    # A module removed disappears.
    db.session.delete(db.session.get(Module, module.id))
    db.session.commit()
    assert "Sécurité renommée" not in client.get(CATALOGUE).get_data(as_text=True)


def test_filters_and_pages_have_their_own_entries(client, login_as, org):
    login_as("agent")
    create_module(org, slug="court", title="Module court", duration=10, competences=("RGPD",))
    create_module(org, slug="long", title="Module long", duration=60, level="avancé")
    db.session.commit()
    for _ in range(2):  # filled, then from the cache
        short = client.get(CATALOGUE + "?duree=court").get_data(as_text=True)
        assert "Module court" in short and "Module long" not in short
        assert 'value="court" selected' in short
        found = client.get(CATALOGUE + "?q=LONG").get_data(as_text=True)
        assert "Module long" in found and "Module court" not in found
        assert 'value="LONG"' in found
        rgpd = client.get(CATALOGUE + "?competence=RGPD").get_data(as_text=True)
        assert "Module court" in rgpd and "Module long" not in rgpd
        assert client.get(CATALOGUE + "?page=2").status_code == 404


def test_each_language_has_its_own_entry(client, login_as, org):
    login_as("agent")
    create_module(slug="module-partage", title="Module de la plateforme")
    db.session.commit()
    for _round in range(2):
        for lang, shared_label, progress in (("fr", "Module partagé", "Progression dans"),
                                             ("en", "Shared module", "Progress in")):
            with client.session_transaction() as sess:
                sess["lang"] = lang
            # The tests' requests share one app context: forget the locale the last
            # one memoised in `g` (each request has its own in production).
            g.pop("_flask_babel", None)
            page = client.get(CATALOGUE).get_data(as_text=True)
            assert shared_label in page and progress in page, lang


def test_each_audience_sees_its_own_catalogue(client, login_as, org, tmp_path):
    files = module_files(title="Pour les élus")
    files["module.md"] = files["module.md"].replace(b"duration:", b"audience: [elected]\nduration:")
    write_module(tmp_path, "pour-les-elus", files)
    from courses import importer

    importer.sync([tmp_path])
    create_module(org, slug="pour-les-agents", title="Pour les agents")
    db.session.commit()
    expected = {"agent": (False, True), "elected": (True, False), "trainer": (True, True),
                "admin": (True, True)}
    for _round in range(2):  # every entry filled, then each read from the cache
        for role, (elected, agents) in expected.items():
            login_as(role)
            page = client.get(CATALOGUE).get_data(as_text=True)
            assert ("Pour les élus" in page, "Pour les agents" in page) == (elected, agents), role


def test_progress_stays_personal_and_the_status_filter_works(client, login_as, org):
    module = create_module(org, title="Module suivi")
    done = factories.create_user(org, ["agent"])
    fresh = factories.create_user(org, ["agent"])
    complete_module(done, module)
    db.session.commit()
    for first, second in ((done, fresh), (fresh, done)):  # whoever fills the cache
        pages = {}
        for user in (first, second):
            login_as(user)
            pages[user.id] = client.get(CATALOGUE).get_data(as_text=True)
        assert "Mon attestation" in pages[done.id] and 'value="100"' in pages[done.id]
        assert "Mon attestation" not in pages[fresh.id] and 'value="0"' in pages[fresh.id]
        assert "Pas commencé" in pages[fresh.id]
    login_as(done)
    assert "Module suivi" in client.get(CATALOGUE + "?statut=termine").get_data(as_text=True)
    page = client.get(CATALOGUE + "?statut=a_commencer").get_data(as_text=True)
    assert "Module suivi" not in page and 'value="a_commencer" selected' in page
    login_as(fresh)
    assert "Module suivi" not in client.get(CATALOGUE + "?statut=termine").get_data(as_text=True)
    assert "Module suivi" in client.get(CATALOGUE + "?statut=a_commencer").get_data(as_text=True)
    # Starting a lesson moves the module to "en cours" at once (progress is never cached).
    learning.mark_lesson_done(fresh, module, db.session.scalar(select(Lesson).where(
        Lesson.version_id == _current(module).id, Lesson.key == "lecon-1")))
    db.session.commit()
    page = client.get(CATALOGUE).get_data(as_text=True)
    assert "En cours · 1 leçon(s) sur 2" in page
    assert "Module suivi" in client.get(CATALOGUE + "?statut=en_cours").get_data(as_text=True)


def test_another_collectivite_change_keeps_the_entry(client, login_as, org, other_org):
    login_as("agent")
    create_module(org, title="Chez nous")
    theirs = create_module(other_org, slug="ailleurs", title="Ailleurs")
    db.session.commit()
    client.get(CATALOGUE)
    hit, _page = _read(client, CATALOGUE)
    # A change to the other collectivité's own module row: our entry stays.
    theirs.slug = "ailleurs-2"
    db.session.commit()
    again, page = _read(client, CATALOGUE)
    assert again == hit and "Ailleurs" not in page and "Chez nous" in page


def test_lesson_cached_then_rebuilt_at_once_after_a_change(client, login_as, org):
    login_as("agent")
    module = create_module(org, lessons=2)
    db.session.commit()
    url = _lesson_url(module)
    client.get(url)
    hit, page = _read(client, url)
    assert "Texte de la leçon 1." in page and "Leçon suivante : Leçon 2" in page
    assert hit <= 3  # chrome and the learner's progress
    version = _current(module)
    lesson = db.session.scalar(select(Lesson).where(Lesson.version_id == version.id,
                                                    Lesson.key == "lecon-1"))
    lesson.title = "Première leçon revue"
    db.session.commit()
    miss, page = _read(client, url)
    assert "Première leçon revue" in page and miss > hit
    # The outline of another lesson's page changes too.
    assert "Leçon précédente : Première leçon revue" in client.get(
        _lesson_url(module, "lecon-2")).get_data(as_text=True)
    # Bulk UPDATEs of the stored HTML and of a question.
    db.session.execute(update(Lesson).where(Lesson.id == lesson.id).values(
        body_html=lesson.body_html.replace("Texte de la leçon 1.", "Texte réécrit.")))
    db.session.execute(update(Question).where(Question.position == 0).values(
        text="Question réécrite ?"))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Texte réécrit." in page and "Question réécrite ?" in page
    # The module's title (its version) in the breadcrumb.
    db.session.execute(update(ModuleVersion).where(ModuleVersion.id == version.id)
                       .values(title="Titre du module revu"))
    db.session.commit()
    assert "Titre du module revu" in client.get(url).get_data(as_text=True)


def test_lesson_of_another_collectivite_stays_404(client, login_as, org, other_org):
    theirs = create_module(other_org, slug="module-secret")
    db.session.commit()
    login_as(factories.create_user(other_org, ["agent"]))
    assert client.get(_lesson_url(theirs)).status_code == 200  # their entry is filled
    login_as("agent")
    assert client.get(_lesson_url(theirs)).status_code == 404
    assert client.get(_lesson_url(theirs, "inconnue")).status_code == 404


def test_lesson_progress_and_quiz_results_stay_personal(client, login_as, org):
    module = create_module(org, lessons=2)
    first = factories.create_user(org, ["agent"])
    second = factories.create_user(org, ["agent"])
    db.session.commit()
    url = _lesson_url(module)
    version = queries.version_with_lessons(module)
    lesson = queries.lesson_with_quizzes(version, "lecon-1")
    quiz = lesson.quizzes[0]
    login_as(first)
    assert "Votre meilleur score" not in client.get(url).get_data(as_text=True)
    learning.answer_quiz(first, module, lesson, quiz, {
        q.id: {o.id for o in q.options if o.correct} for q in quiz.questions})
    learning.mark_lesson_done(first, module, lesson)
    db.session.commit()
    mine = client.get(url).get_data(as_text=True)
    assert "Votre meilleur score : 2 sur 2" in mine and "· terminée" in mine
    login_as(second)
    theirs = client.get(url).get_data(as_text=True)
    assert "Votre meilleur score" not in theirs and "· terminée" not in theirs
    # A graded submission shows this person's answers on the cached lesson.
    wrong = {q.id: {next(o.id for o in q.options if not o.correct)} for q in quiz.questions}
    resp = client.post(f"{url}/quiz/{quiz.number}",
                       data={f"q{qid}": list(ids) for qid, ids in wrong.items()})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Résultat : 0 bonne(s) réponse(s) sur 2." in page
    assert "réponse incorrecte" in page
    option = db.session.scalar(select(Option).where(Option.correct.is_(True)))
    assert f'id="o{option.id}"' in page
    assert "Votre meilleur score : 0 sur 2" in client.get(url).get_data(as_text=True)
    login_as(first)
    assert "Votre meilleur score : 2 sur 2" in client.get(url).get_data(as_text=True)


def test_markdown_rerender_command_replaces_cached_lessons(client, login_as, org, runner):
    """The command rewrites stored HTML on a Core connection, which no watch sees."""
    login_as("agent")
    module = create_module(org)
    lesson = db.session.scalar(select(Lesson).where(
        Lesson.version_id == _current(module).id, Lesson.key == "lecon-1"))
    lesson.body_html = "<p>ancien rendu</p>"
    db.session.commit()
    url = _lesson_url(module)
    assert "ancien rendu" in client.get(url).get_data(as_text=True)
    result = runner.invoke(args=["markdown", "rerender"])
    assert result.exit_code == 0, result.output
    page = client.get(url).get_data(as_text=True)
    assert "ancien rendu" not in page and "Texte de la leçon 1." in page


def test_watch_covers_what_the_pages_are_made_of():
    assert {Module, ModuleVersion, Lesson, Question, Option} <= set(shared.WATCHED)
    assert shared.WATCH in cache._WATCHES


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    agent = factories.create_user(org, ["agent"])
    module = create_module(org, title="Titre initial")
    clients = []
    for instance in (one, two):
        with instance.app_context():
            # Tokens left by an earlier run on the same ids.
            cache.bump_all()
        c = instance.test_client()
        factories.log_in(c, agent)
        clients.append(c)
    db.session.commit()
    for c in clients:
        assert "Titre initial" in c.get(CATALOGUE).get_data(as_text=True)
        assert "Titre initial" in c.get(_lesson_url(module)).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(ModuleVersion).where(ModuleVersion.module_id == module.id)
                           .values(title="Modifié par l’instance B"))
        db.session.commit()
    assert "Modifié par l’instance B" in clients[0].get(CATALOGUE).get_data(as_text=True)
    assert "Modifié par l’instance B" in clients[0].get(
        _lesson_url(module)).get_data(as_text=True)
