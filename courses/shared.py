"""What the catalogue and the lesson pages show the same to every member of a
collectivité (with the same roles, for the catalogue): built once, then served from
the cache (core.cache) until something it is made of changes.

Everything here is plain picklable data (named tuples), never ORM objects, and never
personal: progress, quiz results and forms are read per request by the views.
"""

from __future__ import annotations

import functools
import json
from typing import NamedTuple

from flask import abort, get_template_attribute, request
from flask_babel import get_locale
from sqlalchemy import func, select

from change_portal.core import cache
from change_portal.core.labels import label
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from courses import queries, services
from courses.models import (
    LEVEL_LABELS,
    PROGRESS_LABELS,
    Competence,
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Question,
    Quiz,
)

WATCH = "courses.content"
# Deleting a collectivité deletes its modules in the database (ON DELETE CASCADE,
# no ORM event): its writes replace the token too.
WATCHED = (Organisation, Module, ModuleVersion, Competence, Lesson, Quiz, Question, Option)
PER_PAGE = 20
# Free text (a search, or a competence typed in the address) makes the number of keys
# unbounded: such entries live 10 minutes.
SEARCH_MAX_AGE = 600


class CatalogueItem(NamedTuple):
    """A module as the catalogue lists it (its current version)."""

    module_id: int
    title: str
    summary: str
    duration: int
    level: str
    shared: bool
    competences: tuple[str, ...]
    lesson_keys: frozenset[str]

    @property
    def level_label(self) -> str:
        return label(LEVEL_LABELS, self.level)


class CataloguePage(NamedTuple):
    """A page of the catalogue without what is personal: the modules listed, their
    count, and the HTML of the filters and of each module's card (the member's
    progress is added around it by the page)."""

    total: int
    items: list[CatalogueItem]
    form: str
    cards: list[str]
    labels: list[str]  # of each card's progress bar


def catalogue_page(organisation_id: int | None, audience: tuple[str, ...] | None,
                   filters: dict[str, str], number: int) -> CataloguePage:
    """Page `number` of the catalogue for members of `organisation_id` who see
    `audience` (queries.catalogue_audience), filtered by q/competence/duration/level:
    from the cache while no module changes."""
    def build() -> CataloguePage:
        listing = _listing(organisation_id, audience, filters, number)
        competences = queries.competence_choices(organisation_id)
        return _rendered(*listing, {**filters, "status": ""}, competences)

    parts = (str(get_locale()), request.script_root, "catalogue",
             "*" if audience is None else ",".join(audience), number,
             json.dumps([filters[k] for k in sorted(filters)], ensure_ascii=False))
    free_text = filters["q"] or filters["competence"]
    return cache.cached_value(WATCH, organisation_id, parts, build, db.session,
                              timeout=SEARCH_MAX_AGE if free_text else None)


def personal_page(organisation_id: int | None, audience: tuple[str, ...] | None,
                  filters: dict[str, str], number: int, user_id: int) -> CataloguePage:
    """The same, filtered by the member's own progress (`filters["status"]`): read and
    rendered for this request; only the competences to choose from come from the cache."""
    competences = cache.cached_value(WATCH, organisation_id, ("competences",),
                                     lambda: queries.competence_choices(organisation_id),
                                     db.session)
    listing = _listing(organisation_id, audience, filters, number, user_id)
    return _rendered(*listing, filters, competences)


def _listing(organisation_id, audience, filters, number, user_id=None
             ) -> tuple[int, list[CatalogueItem]]:
    stmt = queries.catalogue_stmt(organisation_id, audience, user_id=user_id, **filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
    if number > 1 and not rows:
        abort(404)  # before anything is cached: no entry for pages that do not exist
    keys = queries.lesson_keys([r.id for r in rows])
    return total or 0, [
        CatalogueItem(r.module_id, r.title, r.summary, r.duration, r.level,
                      r.organisation_id is None, tuple(r.competences or ()), keys[r.id])
        for r in rows]


def _rendered(total: int, items: list[CatalogueItem], filters: dict[str, str],
              competences: list[str]) -> CataloguePage:
    macro = functools.partial(get_template_attribute, "courses/_catalogue.html")
    card, progress_label = macro("card"), macro("progress_label")
    form = macro("filters_form")(filters, competences, LEVEL_LABELS, PROGRESS_LABELS)
    return CataloguePage(total, items, str(form), [str(card(v)) for v in items],
                         [str(progress_label(v)) for v in items])


# --- a lesson -----------------------------------------------------------------------

class ModuleRef(NamedTuple):
    id: int


class VersionRef(NamedTuple):
    id: int
    title: str


class LessonRef(NamedTuple):
    key: str
    title: str
    position: int


class OptionView(NamedTuple):
    id: int
    text: str
    correct: bool


class QuestionView(NamedTuple):
    id: int
    text: str
    explanation: str
    multiple: bool
    options: tuple[OptionView, ...]


class QuizView(NamedTuple):
    number: int
    questions: tuple[QuestionView, ...]


class LessonContent(NamedTuple):
    """A lesson of a module's current version, with what its page shows around it."""

    module: ModuleRef
    version: VersionRef
    lesson: LessonRef
    parts: list[tuple[str, str | int]]  # services.split_quiz_html
    quizzes: dict[int, QuizView]
    outline: list[LessonRef]


def lesson_content(organisation_id: int | None, module_id: int, lesson_key: str
                   ) -> LessonContent:
    """The lesson `lesson_key` of the current version of a module visible to members
    of `organisation_id` (404 otherwise, never cached): from the cache while no
    module changes."""
    def build() -> LessonContent:
        module = queries.visible_module_or_404(module_id, organisation_id)
        version = queries.current_versions([module.id]).get(module.id)
        lesson = queries.lesson_with_quizzes(version, lesson_key) if version else None
        if lesson is None:
            abort(404)
        quizzes = {quiz.number: QuizView(quiz.number, tuple(
            QuestionView(q.id, q.text, q.explanation, q.multiple,
                         tuple(OptionView(o.id, o.text, o.correct) for o in q.options))
            for q in quiz.questions)) for quiz in lesson.quizzes}
        return LessonContent(
            ModuleRef(module.id), VersionRef(version.id, version.title),
            LessonRef(lesson.key, lesson.title, lesson.position),
            services.split_quiz_html(lesson.body_html), quizzes,
            [LessonRef(*row) for row in queries.lesson_outline(version.id)])

    return cache.cached_value(WATCH, organisation_id,
                              ("lesson", module_id, lesson_key), build, db.session)
