"""Learner side: pages, quiz scoring, retries, completion, attestation, versions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError
from change_portal.extensions import db
from courses import importer, learning, queries, services
from courses.models import Attestation, Completion, QuizAttempt
from tests import factories
from tests.courses.factories import complete_module, create_module, module_files, write_module


def _quiz(module, key="lecon-1"):
    version = queries.version_with_lessons(module)
    lesson = queries.lesson_with_quizzes(version, key)
    return version, lesson, lesson.quizzes[0]


def _answers(quiz, right=(True, True)):
    answers = {}
    for question, ok in zip(quiz.questions, right, strict=True):
        if ok:
            answers[question.id] = {o.id for o in question.options if o.correct}
        else:
            answers[question.id] = {next(o.id for o in question.options if not o.correct)}
    return answers


def test_single_and_multiple_answer_scoring(org):
    user = factories.create_user(org)
    module = create_module()
    _v, lesson, quiz = _quiz(module)
    single, multiple = quiz.questions
    assert not single.multiple and multiple.multiple
    right = {o.id for o in multiple.options if o.correct}
    # Multiple answers: a subset of the right options is wrong (exact set match).
    partial = {single.id: {o.id for o in single.options if o.correct},
               multiple.id: {next(iter(right))}}
    result = learning.answer_quiz(user, module, lesson, quiz, partial)
    assert (result.score, result.total) == (1, 2)
    extra = {single.id: partial[single.id], multiple.id: {o.id for o in multiple.options}}
    assert learning.answer_quiz(user, module, lesson, quiz, extra).score == 1
    assert learning.answer_quiz(user, module, lesson, quiz, _answers(quiz)).score == 2


def test_unanswered_question_is_refused(org):
    user = factories.create_user(org)
    module = create_module()
    _v, lesson, quiz = _quiz(module)
    with pytest.raises(DomainError):
        learning.answer_quiz(user, module, lesson, quiz, {quiz.questions[0].id: set()})
    # Two options on a single-answer question are not an answer either.
    both = {q.id: {o.id for o in q.options} for q in quiz.questions}
    with pytest.raises(DomainError):
        learning.answer_quiz(user, module, lesson, quiz, both)


def test_retries_best_score_counts_and_completion(org):
    user = factories.create_user(org)
    module = create_module(lessons=2, pass_score=100)
    version, lesson, quiz = _quiz(module)
    learning.answer_quiz(user, module, lesson, quiz, _answers(quiz, (True, False)))
    for item in version.lessons:
        learning.mark_lesson_done(user, module, item)
    assert queries.completion_of(user.id, module.id) is None  # 50 % < 100 %
    learning.answer_quiz(user, module, lesson, quiz, _answers(quiz))
    learning.answer_quiz(user, module, lesson, quiz, _answers(quiz, (False, False)))
    assert learning.best_scores(user.id, module.id) == {("lecon-1", 0): 2}
    completion = queries.completion_of(user.id, module.id)
    assert completion is not None and completion.score == 100
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", completion.attestation.code)


def test_completion_needs_every_lesson(org):
    user = factories.create_user(org)
    module = create_module(lessons=3)
    version, lesson, quiz = _quiz(module)
    learning.answer_quiz(user, module, lesson, quiz, _answers(quiz))
    for item in version.lessons[:2]:
        learning.mark_lesson_done(user, module, item)
    assert queries.completion_of(user.id, module.id) is None
    learning.mark_lesson_done(user, module, version.lessons[2])
    assert queries.completion_of(user.id, module.id) is not None


def test_progress_survives_a_new_version(org, tmp_path):
    user = factories.create_user(org)
    folder = write_module(tmp_path, "module-versions", module_files(lessons=3))
    importer.sync([folder])
    module = db.session.scalar(select(services.Module).where(
        services.Module.slug == "module-versions"))
    version = queries.version_with_lessons(module)
    learning.mark_lesson_done(user, module, version.lessons[0])
    # New version: lessons renumbered, text changed, lesson 1 now in second place.
    files = module_files(lessons=3, title="Nouveau titre")
    files["02-lecon-1.md"] = files.pop("01-lecon-1.md").replace(b"Texte", b"Nouveau texte")
    files["01-lecon-2.md"] = files.pop("02-lecon-2.md")
    write_module(tmp_path / "v2", "module-versions", files)
    report = importer.sync([tmp_path / "v2" / "module-versions"])
    assert report.updated == ["module-versions"]
    state = queries.learner_states(user.id, [services.current_version(module)])[module.id]
    assert state.lessons_done == 1 and state.lessons_total == 3


def test_catalogue_module_and_lesson_pages(client, login_as, org):
    importer.sync()
    login_as("agent")
    resp = client.get("/modules/")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Cybersécurité" in page and "<progress" in page
    assert "style=" not in page
    resp = client.get("/modules/?q=rgpd")
    assert "RGPD" in resp.get_data(as_text=True)
    assert "Cybersécurité" not in resp.get_data(as_text=True)
    module = db.session.scalar(select(services.Module).where(
        services.Module.slug == "cybersecurite-bons-reflexes"))
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert "Commencer le module" in page and "Reconnaître le hameçonnage" in page
    page = client.get(f"/modules/{module.id}/lecons/hameconnage").get_data(as_text=True)
    assert "[[quiz:" not in page
    assert 'type="radio"' in page and "Valider mes réponses" in page
    assert 'rel="next"' in page
    assert client.get(f"/modules/{module.id}/lecons/inconnue").status_code == 404


def test_catalogue_filters_by_status_level_competence(client, login_as, org):
    user = login_as("agent")
    done = create_module(slug="module-fini", title="Module fini", level="avancé",
                         competences=("Communication",))
    create_module(slug="module-neuf", title="Module neuf", duration=60)
    complete_module(user, done)

    def titles(query):
        return client.get("/modules/" + query).get_data(as_text=True)

    assert "Module fini" in titles("?statut=termine")
    assert "Module neuf" not in titles("?statut=termine")
    assert "Module fini" not in titles("?statut=a_commencer")
    assert "Module neuf" in titles("?statut=a_commencer")
    assert "Module neuf" not in titles("?niveau=avancé")
    assert "Module fini" in titles("?competence=Communication")
    assert "Module fini" not in titles("?duree=long")
    assert client.get("/modules/?statut=<script>&duree=x&niveau=y").status_code == 200


def test_quiz_in_the_page_without_javascript(client, login_as, org):
    user = login_as("agent")
    module = create_module()
    _v, lesson, quiz = _quiz(module)
    single, multiple = quiz.questions
    wrong = next(o for o in single.options if not o.correct)
    data = {f"q{single.id}": str(wrong.id),
            f"q{multiple.id}": [str(o.id) for o in multiple.options if o.correct]}
    resp = client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/0", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Résultat : 1 bonne(s) réponse(s) sur 2." in page
    assert "On ne donne jamais son mot de passe." in page  # explanations shown
    # graded: the choices are shown frozen, "Réessayer" opens a fresh, unticked form
    assert "Réessayer" in page and "Valider mes réponses" not in page
    assert re.search(r'<input[^>]*value="%d"[^>]*checked[^>]*disabled' % wrong.id, page)
    retry = re.search(r'<a class="button" href="([^"]+)#quiz-0">Réessayer</a>', page).group(1)
    fresh = client.get(retry).get_data(as_text=True)
    quiz_form = fresh[fresh.index('id="quiz-0"'):]
    assert "checked" not in quiz_form.split("</form>")[0] and "Valider mes réponses" in quiz_form
    # the question written "(plusieurs réponses)" by its author is not told so twice
    assert "(plusieurs réponses possibles)" not in fresh
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    assert attempt.correct == 1 and attempt.answers == {"0": [0], "1": [0, 2]}
    resp = client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/0", data={})
    assert resp.status_code == 422 and "Répondez à toutes les questions" in resp.get_data(
        as_text=True)
    assert client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/9", data=data).status_code == 404


def test_mark_as_done_then_attestation_and_public_verification(client, login_as, org):
    user = login_as("agent")
    module = create_module(lessons=2)
    _v, lesson, quiz = _quiz(module)
    assert client.get(f"/modules/{module.id}/attestation").status_code == 302
    data = {f"q{q.id}": [str(o.id) for o in q.options if o.correct] for q in quiz.questions}
    client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/0", data=data)
    resp = client.post(f"/modules/{module.id}/lecons/lecon-1/terminer")
    assert resp.headers["Location"].endswith(f"/modules/{module.id}/lecons/lecon-2")
    resp = client.post(f"/modules/{module.id}/lecons/lecon-2/terminer")
    assert resp.headers["Location"].endswith(f"/modules/{module.id}/attestation")
    page = client.get(f"/modules/{module.id}/attestation").get_data(as_text=True)
    code = db.session.scalar(select(Attestation.code).join(Completion)
                             .where(Completion.user_id == user.id))
    assert code in page and user.full_name in page and "20 minutes" in page
    client.post("/deconnexion")
    with client.session_transaction() as sess:
        sess.clear()
    public = client.get(f"/verifier/{code}")
    text = public.get_data(as_text=True)
    assert public.status_code == 200
    assert user.full_name in text and "Module d&#39;essai" in text
    assert user.email not in text and "score" not in text.lower()
    assert client.get("/verifier/AAAA-BBBB-CCCC-DDDD").status_code == 404
    assert client.get("/verifier/" + "A" * 60).status_code == 404


def test_private_module_of_another_collectivite_is_404(client, login_as, org, other_org):
    theirs = create_module(other_org, slug="module-secret")
    shared = create_module(slug="module-partage")
    login_as("trainer")
    assert client.get(f"/modules/{theirs.id}").status_code == 404
    assert client.get(f"/modules/{theirs.id}/lecons/lecon-1").status_code == 404
    assert client.get(f"/modules/gestion/{theirs.id}").status_code == 404
    assert "module-secret" not in client.get("/modules/").get_data(as_text=True)
    assert client.get(f"/modules/{shared.id}").status_code == 200


def test_catalogue_lists_modules_for_the_person_s_roles(client, login_as, org, tmp_path):
    files = module_files(title="Pour les élus")
    files["module.md"] = files["module.md"].replace(b"duration:", b"audience: [elected]\nduration:")
    write_module(tmp_path, "pour-les-elus", files)
    importer.sync([tmp_path])
    create_module(slug="pour-les-agents", title="Pour les agents")
    login_as("elected")
    page = client.get("/modules/").get_data(as_text=True)
    assert "Pour les élus" in page and "Pour les agents" not in page
    login_as("agent")
    page = client.get("/modules/").get_data(as_text=True)
    assert "Pour les élus" not in page and "Pour les agents" in page
    login_as("trainer")  # authors see the whole catalogue
    page = client.get("/modules/").get_data(as_text=True)
    assert "Pour les élus" in page and "Pour les agents" in page


def test_module_page_explains_a_missing_score(client, login_as, org):
    user = login_as("agent")
    module = create_module(lessons=1, pass_score=100)
    version, lesson, quiz = _quiz(module)
    learning.answer_quiz(user, module, lesson, quiz, _answers(quiz, (True, False)))
    learning.mark_lesson_done(user, module, lesson)
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert "il faut 100 % de bonnes réponses" in page and "vous en êtes à 50 %" in page


def test_attestations_listed_checked_by_typed_code_and_old_address_redirects(
        client, login_as, org):
    user = login_as("agent")
    module = create_module(lessons=1)
    assert "Vous n'avez pas encore d'attestation" in client.get(
        "/modules/mes-attestations").get_data(as_text=True)
    _v, lesson, quiz = _quiz(module)
    data = {f"q{q.id}": [str(o.id) for o in q.options if o.correct] for q in quiz.questions}
    client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/0", data=data)
    client.post(f"/modules/{module.id}/lecons/lecon-1/terminer")
    code = db.session.scalar(select(Attestation.code).join(Completion)
                             .where(Completion.user_id == user.id))
    mine = client.get("/modules/mes-attestations").get_data(as_text=True)
    assert code in mine and f'href="/modules/{module.id}/attestation"' in mine
    assert 'href="/modules/mes-attestations"' in client.get("/compte").get_data(as_text=True)
    catalogue = client.get("/modules/").get_data(as_text=True)
    assert f'href="/modules/{module.id}/attestation"' in catalogue
    printable = client.get(f"/modules/{module.id}/attestation").get_data(as_text=True)
    base = client.application.config["BASE_URL"].rstrip("/")  # canonical address
    assert f'<a href="{base}/verifier/{code}">' in printable
    client.post("/deconnexion")
    # typed in lower case with spaces, as people do
    typed = client.get("/verifier", query_string={"code": " " + code.lower() + " "})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/verifier/{code}")
    assert "Cette attestation est authentique." in client.get(
        f"/verifier/{code}").get_data(as_text=True)
    unknown = client.get("/verifier/ZZZZ-0000")
    assert unknown.status_code == 404
    body = unknown.get_data(as_text=True)
    assert "Code inconnu" in body and 'name="code"' in body and "ZZZZ-0000" in body
    old = client.get(f"/verify/{code}")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"/verifier/{code}")
    assert client.get("/verifier").status_code == 200
