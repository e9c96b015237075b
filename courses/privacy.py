"""What the learning domain holds about a person (RGPD): export and erasure.
Registered with core.privacy by courses.setup.init_app.

Erasure keeps the figures the collectivité needs and nothing that names the
person: progress, scores and completions stay tied to the anonymised account
("un ancien agent") so the follow-up by service stays true; quiz answers are
wiped, attestations (a proof about a named person) and personal assignments and
reminders are deleted; authorship links are cut.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from change_portal.core.privacy import PrivacyProvider
from change_portal.extensions import db
from courses.models import (
    Assignment,
    AssignmentReminder,
    AssignmentUser,
    Attestation,
    Completion,
    LessonProgress,
    Module,
    ModuleVersion,
    QuizAttempt,
    SyncRun,
)


def _titles(module_ids) -> dict[int, str]:
    ids = list(set(module_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(ModuleVersion.module_id, ModuleVersion.title).where(
        ModuleVersion.module_id.in_(ids), ModuleVersion.is_current.is_(True))).all())


def _export(user) -> dict[str, list[dict]]:
    uid = user.id
    progress = db.session.scalars(select(LessonProgress).where(
        LessonProgress.user_id == uid).order_by(LessonProgress.completed_at)).all()
    attempts = db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == uid).order_by(QuizAttempt.created_at)).all()
    completions = db.session.execute(
        select(Completion, Attestation.code).outerjoin(Attestation)
        .where(Completion.user_id == uid)).all()
    assigned = db.session.scalars(select(Assignment).join(
        AssignmentUser, AssignmentUser.assignment_id == Assignment.id).where(
        AssignmentUser.user_id == uid)).all()
    titles = _titles([p.module_id for p in progress] + [a.module_id for a in attempts]
                     + [c.module_id for c, _code in completions]
                     + [a.module_id for a in assigned])
    return {
        "formation_lecons_terminees": [
            {"module": titles.get(p.module_id, p.module_id), "lecon": p.lesson_key,
             "date": p.completed_at} for p in progress],
        "formation_quiz": [
            {"module": titles.get(a.module_id, a.module_id), "lecon": a.lesson_key,
             "quiz": a.quiz_number + 1, "bonnes_reponses": a.correct, "questions": a.total,
             "reponses": a.answers, "date": a.created_at} for a in attempts],
        "formation_modules_termines": [
            {"module": titles.get(c.module_id, c.module_id), "date": c.completed_at,
             "score": c.score, "code_attestation": code} for c, code in completions],
        "formation_modules_attribues": [
            {"module": titles.get(a.module_id, a.module_id), "echeance": a.due_date}
            for a in assigned],
    }


def _erase(user) -> None:
    uid = user.id
    completion_ids = select(Completion.id).where(Completion.user_id == uid)
    db.session.execute(delete(Attestation).where(Attestation.completion_id.in_(completion_ids))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(QuizAttempt).where(QuizAttempt.user_id == uid)
                       .values(answers={}).execution_options(synchronize_session=False))
    db.session.execute(delete(AssignmentUser).where(AssignmentUser.user_id == uid))
    db.session.execute(delete(AssignmentReminder).where(AssignmentReminder.user_id == uid))
    for model, column in ((Module, "created_by_id"), (ModuleVersion, "created_by_id"),
                          (Assignment, "created_by_id"), (SyncRun, "requested_by_id")):
        col = getattr(model, column)
        db.session.execute(update(model).where(col == uid).values({column: None})
                           .execution_options(synchronize_session=False))
    db.session.flush()


PROVIDER = PrivacyProvider(
    name="courses",
    covers=frozenset({
        ("course_module", "created_by_id"), ("course_module_version", "created_by_id"),
        ("course_lesson_progress", "user_id"), ("course_quiz_attempt", "user_id"),
        ("course_completion", "user_id"), ("course_assignment", "created_by_id"),
        ("course_assignment_user", "user_id"), ("course_assignment_reminder", "user_id"),
        ("course_sync_run", "requested_by_id"),
    }),
    export=_export,
    erase=_erase,
)
