"""Writes of the learner side: lessons done, quiz answers, completion and
attestation. Scores: a quiz counts its best attempt; the module score is the
sum of the best correct answers over all questions of the current version."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from change_portal.core.errors import DomainError
from change_portal.core.models import utcnow
from change_portal.extensions import db
from courses.models import (
    Attestation,
    Completion,
    Lesson,
    LessonProgress,
    Module,
    ModuleVersion,
    Question,
    Quiz,
    QuizAttempt,
)


@dataclass
class QuestionResult:
    question: Question
    chosen: set[int]
    correct: bool


@dataclass
class QuizResult:
    attempt: QuizAttempt
    questions: list[QuestionResult]

    @property
    def score(self) -> int:
        return self.attempt.correct

    @property
    def total(self) -> int:
        return self.attempt.total


def mark_lesson_done(user, module: Module, lesson: Lesson) -> Completion | None:
    """Record that `user` finished `lesson` (idempotent); returns the completion
    when this makes the module complete."""
    exists = db.session.scalar(select(LessonProgress.id).where(
        LessonProgress.user_id == user.id, LessonProgress.module_id == module.id,
        LessonProgress.lesson_key == lesson.key))
    if exists is None:
        try:
            with db.session.begin_nested():  # a double click must not become an error
                db.session.add(LessonProgress(user_id=user.id, module_id=module.id,
                                              lesson_key=lesson.key))
        except IntegrityError:
            pass
    return check_completion(user, module, lesson.version)


def answer_quiz(user, module: Module, lesson: Lesson, quiz: Quiz,
                answers: dict[int, set[int]]) -> QuizResult:
    """Score one submission. Single-answer questions need the right option,
    multiple-answer ones the exact set of right options. Every question must
    be answered. Retries are allowed; the best attempt counts."""
    results = []
    missing = []
    for question in quiz.questions:
        valid = {o.id for o in question.options}
        chosen = {oid for oid in answers.get(question.id, set()) if oid in valid}
        if not chosen:
            missing.append(question.position + 1)
        if not question.multiple and len(chosen) > 1:
            chosen = set()
            missing.append(question.position + 1)
        expected = {o.id for o in question.options if o.correct}
        results.append(QuestionResult(question, chosen, chosen == expected))
    if missing:
        raise DomainError(_("Répondez à toutes les questions (question %(n)s) puis validez.",
                            n=", ".join(str(n) for n in sorted(set(missing)))))
    attempt = QuizAttempt(
        user_id=user.id, module_id=module.id, version_id=lesson.version_id,
        lesson_key=lesson.key, quiz_number=quiz.number,
        correct=sum(1 for r in results if r.correct), total=len(results),
        answers={str(r.question.position): sorted(
            o.position for o in r.question.options if o.id in r.chosen) for r in results},
    )
    db.session.add(attempt)
    db.session.flush()
    check_completion(user, module, lesson.version)
    return QuizResult(attempt, results)


def best_scores(user_id: int, module_id: int) -> dict[tuple[str, int], int]:
    """Best correct count per (lesson key, quiz number) for one learner."""
    rows = db.session.execute(
        select(QuizAttempt.lesson_key, QuizAttempt.quiz_number, func.max(QuizAttempt.correct))
        .where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module_id)
        .group_by(QuizAttempt.lesson_key, QuizAttempt.quiz_number)
    ).all()
    return {(key, number): best for key, number, best in rows}


def module_score(user_id: int, version: ModuleVersion,
                 best: dict[tuple[str, int], int] | None = None) -> tuple[int, int]:
    """(best correct answers, total questions) over the current version's quizzes.
    `best` (from best_scores) saves a query when the caller already has it."""
    rows = db.session.execute(
        select(Lesson.key, Quiz.number, func.count(Question.id))
        .join(Quiz, Quiz.lesson_id == Lesson.id)
        .join(Question, Question.quiz_id == Quiz.id)
        .where(Lesson.version_id == version.id)
        .group_by(Lesson.key, Quiz.number)
    ).all()
    if best is None:
        best = best_scores(user_id, version.module_id)
    total = sum(count for _k, _n, count in rows)
    correct = sum(min(best.get((key, number), 0), count) for key, number, count in rows)
    return correct, total


def check_completion(user, module: Module, version: ModuleVersion) -> Completion | None:
    """Create the completion and its attestation once every lesson of the
    current version is done and the module score reaches pass_score."""
    if not version.is_current:
        return None
    existing = db.session.scalar(select(Completion).where(
        Completion.user_id == user.id, Completion.module_id == module.id))
    if existing is not None:
        return existing
    keys = set(db.session.scalars(select(Lesson.key).where(Lesson.version_id == version.id)))
    done = set(db.session.scalars(select(LessonProgress.lesson_key).where(
        LessonProgress.user_id == user.id, LessonProgress.module_id == module.id)))
    if not keys or not keys <= done:
        return None
    correct, total = module_score(user.id, version)
    percent = round(100 * correct / total) if total else 100
    if percent < version.pass_score:
        return None
    completion = Completion(user_id=user.id, module_id=module.id, version_id=version.id,
                            score=percent, completed_at=utcnow())
    try:
        with db.session.begin_nested():  # two requests at once: the first one wins
            db.session.add(completion)
            db.session.flush()
            db.session.add(Attestation(completion_id=completion.id, code=new_code(),
                                       module_title=version.title, duration=version.duration))
    except IntegrityError:
        return db.session.scalar(select(Completion).where(
            Completion.user_id == user.id, Completion.module_id == module.id))
    return completion


def new_code() -> str:
    """A random, unguessable verification code (80 bits), easy to read aloud."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))
