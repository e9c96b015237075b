"""Learner pages: catalogue, module, lessons, quizzes, attestation, public verification."""

from __future__ import annotations

import re

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from change_portal.core.errors import DomainError
from change_portal.core.labels import label
from change_portal.core.pagination import Page, current_page_number
from change_portal.core.params import parse_int
from change_portal.core.permissions import login_required, public
from change_portal.extensions import db
from courses import learning, queries, shared
from courses.models import LEVEL_LABELS, PROGRESS_LABELS
from courses.views import bp


def _arg(name: str, allowed=None, limit: int = 100) -> str:
    value = (request.args.get(name) or "").strip()[:limit]
    if allowed is not None and value not in allowed:
        return ""
    return value


@bp.get("/modules/")
@login_required
def catalogue():
    filters = {
        "q": _arg("q"),
        "competence": _arg("competence", limit=120),
        "duration": _arg("duree", queries.DURATIONS),
        "level": _arg("niveau", LEVEL_LABELS),
    }
    status = _arg("statut", queries.STATUSES)
    number = current_page_number()
    org_id, audience = current_user.organisation_id, queries.catalogue_audience(current_user)
    if status:  # the member's own progress: not shared, read for this request
        part = shared.personal_page(org_id, audience, {**filters, "status": status}, number,
                                    current_user.id)
    else:
        part = shared.catalogue_page(org_id, audience, filters, number)
    page = Page(items=part.items, page=number, per_page=shared.PER_PAGE, total=part.total)
    states = queries.progress_states(current_user.id,
                                     {item.module_id: item.lesson_keys for item in page.items})
    # Rendered by Jinja with autoescaping (courses/_catalogue.html): safe HTML.
    html = {"form": Markup(part.form),  # noqa: S704
            "cards": [Markup(card) for card in part.cards],  # noqa: S704
            "labels": [Markup(text) for text in part.labels]}  # noqa: S704
    return render_template(
        "courses/catalogue.html", page=page, states=states, shared=html,
        statuses={key: label(PROGRESS_LABELS, key) for key in PROGRESS_LABELS},
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _load(module_id: int, *, lessons: bool = True):
    module = queries.visible_module_or_404(module_id, current_user.organisation_id)
    version = (queries.version_with_lessons(module) if lessons
               else queries.current_versions([module.id]).get(module.id))
    if version is None:
        abort(404)
    return module, version


@bp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int):
    module, version = _load(module_id)
    done = queries.done_keys(current_user.id, module.id)
    best = learning.best_scores(current_user.id, module.id)
    correct, total = learning.module_score(current_user.id, version, best)
    completion = queries.completion_of(current_user.id, module.id)
    keys = {lesson.key for lesson in version.lessons}
    state = queries.LearnerState(lessons_done=len(keys & done), lessons_total=len(keys),
                                 completed=completion is not None,
                                 started=bool(done or best or completion))
    next_lesson = next((lesson for lesson in version.lessons if lesson.key not in done),
                       version.lessons[0] if version.lessons else None)
    return render_template("courses/module.html", module=module, version=version, state=state,
                           done=done, correct=correct, total=total, completion=completion,
                           next_lesson=next_lesson, statuses=PROGRESS_LABELS)


def _lesson_page(module_id: int, lesson_key: str, *, result=None, quiz_number=None,
                 error=None, status=200):
    # The lesson and its module's outline are the same for every member (cached); what
    # this person did (lessons done, best scores, a quiz's result) and the forms are not.
    content = shared.lesson_content(current_user.organisation_id, module_id, lesson_key)
    outline, lesson = content.outline, content.lesson
    index = [row.key for row in outline].index(lesson.key)
    done, best = queries.lesson_progress(current_user.id, content.module.id)
    html = render_template(
        "courses/lesson.html", module=content.module, version=content.version, lesson=lesson,
        parts=content.parts, quizzes=content.quizzes,
        previous=outline[index - 1] if index > 0 else None,
        following=outline[index + 1] if index + 1 < len(outline) else None,
        outline=outline, done=done, best=best, result=result, quiz_number=quiz_number,
        error=error,
    )
    return make_response(html, status)


def _lesson_or_404(version, lesson_key: str):
    if len(lesson_key) > 80:
        abort(404)
    lesson = queries.lesson_with_quizzes(version, lesson_key)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/modules/<int:module_id>/lecons/<lesson_key>")
@login_required
def lesson(module_id: int, lesson_key: str):
    if len(lesson_key) > 80:
        abort(404)
    return _lesson_page(module_id, lesson_key)


@bp.post("/modules/<int:module_id>/lecons/<lesson_key>/terminer")
@login_required
def complete_lesson(module_id: int, lesson_key: str):
    module, version = _load(module_id, lessons=False)
    lesson = _lesson_or_404(version, lesson_key)
    had = queries.completion_of(current_user.id, module.id) is not None
    completion = learning.mark_lesson_done(current_user, module, lesson)
    db.session.commit()
    if completion is not None and not had:
        flash(_("Bravo, vous avez terminé le module ! Votre attestation est disponible."),
              "success")
        return redirect(url_for("courses.attestation", module_id=module.id))
    flash(_("Leçon marquée comme terminée."), "success")
    outline = queries.lesson_outline(version.id)
    keys = [row.key for row in outline]
    index = keys.index(lesson.key)
    if index + 1 < len(keys):
        return redirect(url_for("courses.lesson", module_id=module.id, lesson_key=keys[index + 1]))
    return redirect(url_for("courses.module", module_id=module.id))


@bp.post("/modules/<int:module_id>/lecons/<lesson_key>/quiz/<int:quiz_number>")
@login_required
def answer_quiz(module_id: int, lesson_key: str, quiz_number: int):
    module, version = _load(module_id, lessons=False)
    lesson = _lesson_or_404(version, lesson_key)
    quiz = next((q for q in lesson.quizzes if q.number == quiz_number), None)
    if quiz is None:
        abort(404)
    answers: dict[int, set[int]] = {}
    for question in quiz.questions:
        values = request.form.getlist(f"q{question.id}")
        parsed = (parse_int(v) for v in values[:20])
        answers[question.id] = {v for v in parsed if v is not None}
    try:
        result = learning.answer_quiz(current_user, module, lesson, quiz, answers)
    except DomainError as err:
        db.session.rollback()
        return _lesson_page(module_id, lesson_key, quiz_number=quiz_number,
                            error=err.message, status=422)
    db.session.commit()
    return _lesson_page(module_id, lesson_key, result=result, quiz_number=quiz_number)


@bp.get("/modules/<int:module_id>/fichiers/<path:image_name>")
@login_required
def image(module_id: int, image_name: str):
    module = queries.visible_module_or_404(module_id, current_user.organisation_id)
    row = queries.image_of(module.id, image_name)
    if row is None:
        abort(404)
    resp = make_response(row.content)
    resp.headers["Content-Type"] = row.content_type
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", row.name.rsplit("/", 1)[-1])
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.get("/modules/<int:module_id>/attestation")
@login_required
def attestation(module_id: int):
    module = queries.visible_module_or_404(module_id, current_user.organisation_id)
    completion = queries.completion_of(current_user.id, module.id)
    if completion is None or completion.attestation is None:
        flash(_("Vous n'avez pas encore terminé ce module : l'attestation sera disponible "
                "quand toutes les leçons seront faites et le score atteint."), "warning")
        return redirect(url_for("courses.module", module_id=module.id))
    return render_template("courses/attestation.html", module=module, completion=completion,
                           attestation=completion.attestation, user=current_user)


@bp.get("/modules/mes-attestations")
@login_required
def my_attestations():
    rows = queries.attestations_of(current_user.id)
    return render_template("courses/my_attestations.html", rows=rows)


@bp.get("/verify/<attestation_code>")
@public
def verify_legacy(attestation_code: str):
    """The first, English, address printed on early attestations: kept as a redirect."""
    return redirect(url_for("courses.verify", attestation_code=attestation_code[:60]), 301)


@bp.get("/verifier")
@public
def verify_form():
    """Someone holding a printed attestation types its code here."""
    code = _normalise_code(request.args.get("code"))
    if code:
        return redirect(url_for("courses.verify", attestation_code=code))
    return render_template("courses/verify.html", attestation=None, asked=None)


@bp.get("/verifier/<attestation_code>")
@public
def verify(attestation_code: str):
    """Public check of an attestation: name, module and date, nothing else.

    An unknown code answers 404 with a plain "code inconnu" and the form to try again.
    """
    code = _normalise_code(attestation_code)
    row = queries.attestation_by_code(code) if code else None
    if row is None:
        return render_template("courses/verify.html", attestation=None,
                               asked=attestation_code[:60]), 404
    attestation, completion = row
    return render_template("courses/verify.html", attestation=attestation, asked=code,
                           name=completion.user.display_name)


def _normalise_code(value: str | None) -> str:
    """Codes are printed in capitals with dashes; people type them in any case, with spaces."""
    code = "".join((value or "").split()).upper()
    return code if 0 < len(code) <= 40 else ""
