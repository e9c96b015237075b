"""The catalogue, module and lesson pages issue as many queries with 500
modules as with 10 (and with more learners' rows)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert

from change_portal.accounts.models import User
from change_portal.extensions import db
from courses.models import (
    Competence,
    Lesson,
    LessonProgress,
    Module,
    ModuleVersion,
    QuizAttempt,
)
from tests.courses.factories import create_module

BASE = 1_000_000


def _bulk(count: int, user_id: int, start: int = BASE) -> None:
    ids = range(start, start + count)
    db.session.execute(insert(Module), [{"id": i, "slug": f"module-{i}"} for i in ids])
    db.session.execute(insert(ModuleVersion), [
        {"id": i, "module_id": i, "number": 1, "status": "published", "is_current": True,
         "title": f"Module {i}", "summary": "Résumé", "duration": 10 + i % 50,
         "audience": ["agent"], "competences": [f"Compétence {i % 7}"], "level": "débutant",
         "pass_score": 80, "introduction": "Intro", "introduction_html": "<p>Intro</p>"}
        for i in ids])
    db.session.execute(insert(Competence), [
        {"version_id": i, "name": f"Compétence {i % 7}"} for i in ids])
    db.session.execute(insert(Lesson), [
        {"version_id": i, "position": n, "key": f"lecon-{n}", "filename": f"0{n}-lecon-{n}.md",
         "title": f"Leçon {n}", "source": "Texte", "body": "Texte", "body_html": "<p>Texte</p>"}
        for i in ids for n in (1, 2, 3)])
    db.session.execute(insert(LessonProgress), [
        {"user_id": user_id, "module_id": i, "lesson_key": "lecon-1"} for i in ids])
    db.session.execute(insert(QuizAttempt), [
        {"user_id": user_id, "module_id": i, "lesson_key": "lecon-1", "quiz_number": 0,
         "correct": 1, "total": 2, "answers": {}} for i in ids])
    db.session.flush()


def _learners(org_id: int, count: int, module_id: int, start: int) -> None:
    """`count` more agents of the collectivité, each with progress and an attempt."""
    ids = range(start, start + count)
    db.session.execute(insert(User), [
        {"id": i, "organisation_id": org_id, "full_name": f"Agent {i}", "active": True,
         "email": f"agent{i}@exemple.fr"} for i in ids])
    db.session.execute(insert(LessonProgress), [
        {"user_id": i, "module_id": module_id, "lesson_key": "lecon-1"} for i in ids])
    db.session.execute(insert(QuizAttempt), [
        {"user_id": i, "module_id": module_id, "lesson_key": "lecon-1", "quiz_number": 0,
         "correct": 1, "total": 2, "answers": {}} for i in ids])
    db.session.flush()


@contextmanager
def _counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _queries(client, url: str) -> int:
    client.get(url)  # warm-up (session loading, caches)
    with _counting() as statements:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("path", ["/modules/", "/modules/?statut=en_cours&competence=x",
                                  "/modules/{id}", "/modules/{id}/lecons/lecon-1"])
def test_query_count_does_not_grow(client, login_as, org, path):
    user = login_as("agent")
    module = create_module(org, lessons=3)
    url = path.format(id=module.id)
    _bulk(10, user.id)
    _learners(org.id, 5, module.id, start=BASE)
    small = _queries(client, url)
    _bulk(490, user.id, start=BASE + 10)  # 500 modules in all
    _learners(org.id, 300, module.id, start=BASE + 5)  # and 305 other learners
    large = _queries(client, url)
    print(f"QUERIES {path}: {small} with 10 modules, {large} with 500")
    assert large == small


@pytest.mark.parametrize("path", ["/modules/suivi", "/modules/gestion/", "/modules/affectations"])
def test_trainer_pages_query_count_does_not_grow(client, login_as, org, path):
    user = login_as("trainer")
    _bulk(10, user.id)
    _learners(org.id, 5, BASE, start=BASE)
    small = _queries(client, path)
    _bulk(490, user.id, start=BASE + 10)
    _learners(org.id, 300, BASE + 1, start=BASE + 5)
    large = _queries(client, path)
    print(f"QUERIES {path}: {small} with 10 modules, {large} with 500")
    assert large == small
