"""Read helpers of the learning domain: aggregates in SQL, eager loading, a
constant number of queries whatever the number of modules or learners."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort
from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, selectinload

from change_portal.accounts.models import User
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Service
from courses.models import (
    Assignment,
    AssignmentUser,
    Attestation,
    Competence,
    Completion,
    CourseImage,
    Lesson,
    LessonProgress,
    Module,
    ModuleVersion,
    Question,
    Quiz,
    QuizAttempt,
)

DURATIONS = {"court": (0, 20), "moyen": (21, 40), "long": (41, 10_000)}
STATUSES = ("a_commencer", "en_cours", "termine")


def visible(organisation_id: int):
    """Modules a member of `organisation_id` may see: shared ones and their own."""
    return or_(Module.organisation_id.is_(None), of_tenant(Module, organisation_id))


def visible_module_or_404(module_id: int, organisation_id: int) -> Module:
    module = db.session.scalar(select(Module).where(Module.id == module_id,
                                                    visible(organisation_id)))
    if module is None:
        abort(404)
    return module


def own_module_or_404(module_id: int, organisation_id: int) -> Module:
    """A module the collectivité authors (shared modules are not editable here)."""
    module = db.session.scalar(select(Module).where(
        Module.id == module_id, of_tenant(Module, organisation_id)))
    if module is None:
        abort(404)
    return module


def visible_module(module_id: int | None, organisation_id: int) -> Module | None:
    """A module a member of `organisation_id` may choose (shared or their own), or None."""
    if not module_id:
        return None
    return db.session.scalar(select(Module).where(Module.id == module_id,
                                                  visible(organisation_id)))


def module_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(module id, current title) of the modules visible to `organisation_id`, by title."""
    rows = db.session.execute(
        select(ModuleVersion.module_id, ModuleVersion.title)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.is_current.is_(True), visible(organisation_id))
        .order_by(ModuleVersion.title)).all()
    return [(r.module_id, r.title) for r in rows]


def image_of(module_id: int, name: str) -> CourseImage | None:
    """The image `name` of a module (the caller checked the module is visible)."""
    return db.session.scalar(select(CourseImage).where(
        CourseImage.module_id == module_id, CourseImage.name == name[:200]))


def current_versions(module_ids) -> dict[int, ModuleVersion]:
    ids = list(module_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(ModuleVersion).where(
        ModuleVersion.module_id.in_(ids), ModuleVersion.is_current.is_(True)))
    return {v.module_id: v for v in rows}


def _started(user_id: int):
    return or_(
        exists().where(LessonProgress.user_id == user_id,
                       LessonProgress.module_id == ModuleVersion.module_id),
        exists().where(QuizAttempt.user_id == user_id,
                       QuizAttempt.module_id == ModuleVersion.module_id),
    )


def _done(user_id: int):
    return exists().where(Completion.user_id == user_id,
                          Completion.module_id == ModuleVersion.module_id)


def catalogue_stmt(organisation_id: int | None, audience: tuple[str, ...] | None, *,
                   user_id: int | None = None, q: str = "", competence: str = "",
                   duration: str = "", level: str = "", status: str = "") -> Select:
    """The catalogue's columns of the current versions of the modules a member of
    `organisation_id` may see, filtered. `audience`: the member's roles, which the
    catalogue is narrowed to (None for trainers and admins, who see everything);
    `status` (the member's progress) needs `user_id`."""
    stmt = (select(ModuleVersion.id, ModuleVersion.module_id, ModuleVersion.title,
                   ModuleVersion.summary, ModuleVersion.duration, ModuleVersion.level,
                   ModuleVersion.competences, Module.organisation_id)
            .join(Module, Module.id == ModuleVersion.module_id)
            .where(ModuleVersion.is_current.is_(True), visible(organisation_id))
            .order_by(ModuleVersion.title, ModuleVersion.id))
    own = aliased(Module)
    # A shared module the collectivité copied to adapt is replaced by its copy.
    stmt = stmt.where(~and_(Module.organisation_id.is_(None), exists().where(
        of_tenant(own, organisation_id), own.slug == Module.slug)))
    if audience is not None:
        # `audience` targets the catalogue (authors see everything); it is not an
        # access rule: a module's page stays reachable by its address.
        as_text = cast(ModuleVersion.audience, String)
        stmt = stmt.where(or_(*[as_text.like(f'%"{role}"%') for role in sorted(audience)],
                              False))
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(or_(func.lower(ModuleVersion.title).like(pattern, escape="\\"),
                              func.lower(ModuleVersion.summary).like(pattern, escape="\\")))
    if competence:
        stmt = stmt.where(exists().where(Competence.version_id == ModuleVersion.id,
                                         Competence.name == competence))
    if duration in DURATIONS:
        low, high = DURATIONS[duration]
        stmt = stmt.where(ModuleVersion.duration.between(low, high))
    if level:
        stmt = stmt.where(ModuleVersion.level == level)
    if status and user_id is None:
        raise ValueError("the status filter needs the learner")
    if status == "termine":
        stmt = stmt.where(_done(user_id))
    elif status == "en_cours":
        stmt = stmt.where(~_done(user_id), _started(user_id))
    elif status == "a_commencer":
        stmt = stmt.where(~_done(user_id), ~_started(user_id))
    return stmt


def catalogue_audience(user) -> tuple[str, ...] | None:
    """The roles the catalogue of `user` is narrowed to (None: everything)."""
    roles = user.role_names
    if roles & {"trainer", "admin"}:
        return None
    return tuple(sorted(roles))


def lesson_keys(version_ids: list[int]) -> dict[int, frozenset[str]]:
    """The lesson keys of each version (one statement)."""
    keys: dict[int, set[str]] = {v: set() for v in version_ids}
    if version_ids:
        for version_id, key in db.session.execute(
                select(Lesson.version_id, Lesson.key).where(Lesson.version_id.in_(version_ids))):
            keys[version_id].add(key)
    return {v: frozenset(k) for v, k in keys.items()}


def competence_choices(organisation_id: int) -> list[str]:
    return list(db.session.scalars(
        select(Competence.name).distinct()
        .join(ModuleVersion, ModuleVersion.id == Competence.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.is_current.is_(True), visible(organisation_id))
        .order_by(Competence.name)))


@dataclass
class LearnerState:
    lessons_done: int = 0
    lessons_total: int = 0
    completed: bool = False
    started: bool = False

    @property
    def status(self) -> str:
        if self.completed:
            return "termine"
        return "en_cours" if self.started else "a_commencer"

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def learner_states(user_id: int, versions: list[ModuleVersion]) -> dict[int, LearnerState]:
    """Progress of one learner on several modules, in two statements."""
    keys = lesson_keys([v.id for v in versions])
    return progress_states(user_id, {v.module_id: keys[v.id] for v in versions})


# Kinds of rows of the progress statement below.
_LESSON_DONE, _COMPLETED, _ATTEMPTED = 1, 2, 3


# Built once per process with bound parameters (as every catalogue page asks it).
@functools.cache
def _progress_statement():
    user, modules = bindparam("user"), bindparam("modules", expanding=True)
    no_key = cast(null(), String)
    return union_all(
        select(LessonProgress.module_id, LessonProgress.lesson_key,
               literal_column(str(_LESSON_DONE)))
        .where(LessonProgress.user_id == user, LessonProgress.module_id.in_(modules)),
        select(Completion.module_id, no_key, literal_column(str(_COMPLETED)))
        .where(Completion.user_id == user, Completion.module_id.in_(modules)),
        select(QuizAttempt.module_id, no_key, literal_column(str(_ATTEMPTED)))
        .where(QuizAttempt.user_id == user, QuizAttempt.module_id.in_(modules))
        .group_by(QuizAttempt.module_id),
    )


def progress_states(user_id: int,
                    keys_by_module: dict[int, frozenset[str]]) -> dict[int, LearnerState]:
    """Progress of one learner on several modules (module id → the lesson keys of its
    current version): lessons done, completions and quiz attempts in one statement."""
    states = {m: LearnerState(lessons_total=len(keys)) for m, keys in keys_by_module.items()}
    if not states:
        return states
    rows = db.session.execute(_progress_statement(),
                              {"user": user_id, "modules": list(states)})
    for module_id, key, kind in rows:
        state = states[module_id]
        state.started = True
        if kind == _LESSON_DONE and key in keys_by_module[module_id]:
            state.lessons_done += 1  # a lesson since removed from the module does not count
        elif kind == _COMPLETED:
            state.completed = True
    return states


def version_with_lessons(module: Module) -> ModuleVersion | None:
    return db.session.scalar(
        select(ModuleVersion)
        .where(ModuleVersion.module_id == module.id, ModuleVersion.is_current.is_(True))
        .options(selectinload(ModuleVersion.lessons)))


def lesson_with_quizzes(version: ModuleVersion, key: str) -> Lesson | None:
    return db.session.scalar(
        select(Lesson).where(Lesson.version_id == version.id, Lesson.key == key)
        .options(selectinload(Lesson.quizzes).selectinload(Quiz.questions)
                 .selectinload(Question.options)))


def lesson_outline(version_id: int) -> list:
    """(key, title, position) of a version's lessons, for previous/next links."""
    return db.session.execute(
        select(Lesson.key, Lesson.title, Lesson.position)
        .where(Lesson.version_id == version_id).order_by(Lesson.position)).all()


def done_keys(user_id: int, module_id: int) -> set[str]:
    return set(db.session.scalars(select(LessonProgress.lesson_key).where(
        LessonProgress.user_id == user_id, LessonProgress.module_id == module_id)))


# Built once per process with bound parameters (as every lesson page asks it).
@functools.cache
def _lesson_progress_statement():
    user, module = bindparam("user"), bindparam("module")
    return union_all(
        select(QuizAttempt.lesson_key, QuizAttempt.quiz_number, func.max(QuizAttempt.correct))
        .where(QuizAttempt.user_id == user, QuizAttempt.module_id == module)
        .group_by(QuizAttempt.lesson_key, QuizAttempt.quiz_number),
        select(LessonProgress.lesson_key, cast(null(), Integer), cast(null(), Integer))
        .where(LessonProgress.user_id == user, LessonProgress.module_id == module),
    )


def lesson_progress(user_id: int, module_id: int) -> tuple[set[str], dict[tuple[str, int], int]]:
    """(keys of the lessons done, best correct count per (lesson key, quiz number)) of
    one learner in a module, in one statement."""
    done: set[str] = set()
    best: dict[tuple[str, int], int] = {}
    for key, number, correct in db.session.execute(
            _lesson_progress_statement(), {"user": user_id, "module": module_id}):
        if number is None:
            done.add(key)
        else:
            best[(key, number)] = correct
    return done, best


def completion_of(user_id: int, module_id: int) -> Completion | None:
    return db.session.scalar(
        select(Completion).where(Completion.user_id == user_id, Completion.module_id == module_id)
        .options(selectinload(Completion.attestation)))


# --- assignments ----------------------------------------------------------------------

def todo_for(user) -> list:
    """Modules assigned to `user` (directly or through their service) and not completed:
    rows of (module_id, title, duration, due_date), one per module, the earliest due
    first (the home page's panel, on every home page: a statement built once)."""
    rows = db.session.execute(_todo_statement(), {
        "org": user.organisation_id, "user": user.id, "service": user.service_id}).all()
    seen: dict[int, object] = {}
    for row in rows:
        seen.setdefault(row.module_id, row)
    return list(seen.values())


@functools.cache
def _todo_statement():
    user = bindparam("user")
    direct = exists().where(AssignmentUser.assignment_id == Assignment.id,
                            AssignmentUser.user_id == user)
    # Without a service the comparison is NULL: only direct assignments count.
    targeted = or_(Assignment.service_id == bindparam("service"), direct)
    return (
        select(Assignment.module_id, ModuleVersion.title, ModuleVersion.duration,
               Assignment.due_date)
        .join(ModuleVersion, and_(ModuleVersion.module_id == Assignment.module_id,
                                  ModuleVersion.is_current.is_(True)))
        .where(of_tenant(Assignment, bindparam("org")), targeted,
               ~exists().where(Completion.user_id == user,
                               Completion.module_id == Assignment.module_id))
        .order_by(Assignment.due_date.is_(None), Assignment.due_date, ModuleVersion.title)
    )


def assignments_stmt(organisation_id: int) -> Select:
    return (select(Assignment).where(of_tenant(Assignment, organisation_id))
            .options(selectinload(Assignment.service), selectinload(Assignment.users))
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()))


# --- follow-up (aggregates, never individual answers) ---------------------------------------

# An average over fewer people than this is not shown: in a service of one, "the
# service's score" is that person's score (the observatory applies the same rule).
MIN_GROUP_SIZE = 5


def followup(organisation_id: int) -> list[dict]:
    """Per module and per service of the collectivité: agents who started,
    completed, and the average of their best quiz scores (percent).

    A score averages at least MIN_GROUP_SIZE people or is None with `hidden` set;
    the all-services score is hidden too when it would give away hidden groups
    by difference (those groups together have fewer than MIN_GROUP_SIZE people)."""
    members = select(User.id, User.service_id).where(
        of_tenant(User, organisation_id), User.erased_at.is_(None)).subquery()
    starters = (
        select(LessonProgress.module_id, LessonProgress.user_id)
        .union(select(QuizAttempt.module_id, QuizAttempt.user_id))
    ).subquery()
    started = dict(((r[0], r[1]), r[2]) for r in db.session.execute(
        select(starters.c.module_id, members.c.service_id, func.count())
        .join(members, members.c.id == starters.c.user_id)
        .group_by(starters.c.module_id, members.c.service_id)))
    completed = dict(((r[0], r[1]), r[2]) for r in db.session.execute(
        select(Completion.module_id, members.c.service_id, func.count())
        .join(members, members.c.id == Completion.user_id)
        .group_by(Completion.module_id, members.c.service_id)))
    best = (select(QuizAttempt.module_id, QuizAttempt.user_id,
                   func.max(QuizAttempt.correct).label("c"), func.max(QuizAttempt.total).label("t"))
            .group_by(QuizAttempt.module_id, QuizAttempt.user_id, QuizAttempt.lesson_key,
                      QuizAttempt.quiz_number)).subquery()
    sums = {(r[0], r[1]): (r[2] or 0, r[3] or 0, r[4]) for r in db.session.execute(
        select(best.c.module_id, members.c.service_id, func.sum(best.c.c), func.sum(best.c.t),
               func.count(func.distinct(best.c.user_id)))
        .join(members, members.c.id == best.c.user_id)
        .group_by(best.c.module_id, members.c.service_id))}
    keys = set(started) | set(completed)
    module_ids = {k[0] for k in keys}
    versions = current_versions(module_ids)
    services = dict(db.session.execute(select(Service.id, Service.name).where(
        of_tenant(Service, organisation_id))).all())
    result: dict[int, dict] = {}
    for module_id, service_id in sorted(keys, key=lambda k: (k[0], services.get(k[1], ""))):
        version = versions.get(module_id)
        if version is None:
            continue
        entry = result.setdefault(module_id, {"version": version, "rows": [], "c": 0, "t": 0,
                                              "started": 0, "completed": 0, "scorers": 0,
                                              "hidden_scorers": 0})
        right, asked, scorers = sums.get((module_id, service_id), (0, 0, 0))
        hidden = 0 < scorers < MIN_GROUP_SIZE
        row = {
            "service": services.get(service_id),
            "started": started.get((module_id, service_id), 0),
            "completed": completed.get((module_id, service_id), 0),
            "score": 100.0 * right / asked if asked and not hidden else None,
            "hidden": hidden,
        }
        entry["rows"].append(row)
        entry["started"] += row["started"]
        entry["completed"] += row["completed"]
        entry["c"] += right
        entry["t"] += asked
        entry["scorers"] += scorers
        entry["hidden_scorers"] += scorers if hidden else 0
    for entry in result.values():
        # Total minus the shown services = the hidden ones: keep it only when they
        # are none, or at least MIN_GROUP_SIZE people together.
        shown_total = entry["scorers"] >= MIN_GROUP_SIZE and (
            entry["hidden_scorers"] == 0 or entry["hidden_scorers"] >= MIN_GROUP_SIZE
            or entry["hidden_scorers"] == entry["scorers"])
        entry["hidden"] = bool(entry["t"]) and not shown_total
        entry["score"] = 100.0 * entry["c"] / entry["t"] if entry["t"] and shown_total else None
    return sorted(result.values(), key=lambda e: e["version"].title)


def completion_status(organisation_id: int, module_id: int) -> list[tuple[User, str]]:
    """Each active agent of the collectivité and their status on one module
    (for admins: status only, never scores or answers)."""
    users = db.session.scalars(select(User).where(
        of_tenant(User, organisation_id), User.active.is_(True),
        User.erased_at.is_(None)).options(selectinload(User.service))
        .order_by(User.full_name)).all()
    done = set(db.session.scalars(select(Completion.user_id).where(
        Completion.module_id == module_id)))
    started = set(db.session.scalars(select(LessonProgress.user_id).where(
        LessonProgress.module_id == module_id))) | set(db.session.scalars(
            select(QuizAttempt.user_id).where(QuizAttempt.module_id == module_id)))
    return [(u, "termine" if u.id in done else "en_cours" if u.id in started else "a_commencer")
            for u in users]


# --- attestations -----------------------------------------------------------------------

def attestations_of(user_id: int) -> list[tuple[Attestation, Completion]]:
    """A person's attestations, newest first, with their completion (one query)."""
    return list(db.session.execute(
        select(Attestation, Completion).join(Completion)
        .where(Completion.user_id == user_id)
        .order_by(Attestation.issued_at.desc(), Attestation.id.desc())
    ).all())


def attestation_by_code(code: str) -> tuple[Attestation, Completion] | None:
    """The attestation with this code and its completion, or None."""
    return db.session.execute(
        select(Attestation, Completion).join(Completion).where(Attestation.code == code)
    ).first()

