"""Learning modules: versions, lessons, quizzes, images, progress, completions,
attestations, assignments and the modules a project requires.

A module with ``organisation_id`` NULL is a shared platform module (authored by
the operator, shipped in ``courses/library``) visible to every collectivité; a
module with an organisation is visible only to that collectivité.

Learner data (progress, attempts, completions) is keyed by module and by the
lesson's ``key`` (its file name without number and extension), never by a
version's row ids, so that it survives a new published version.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin, UTCDateTime, utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Service

LEVEL_LABELS = {
    "débutant": _l("Débutant"),
    "intermédiaire": _l("Intermédiaire"),
    "avancé": _l("Avancé"),
}
# A learner's progress in a module (computed by queries, not stored).
PROGRESS_LABELS = {
    "a_commencer": _l("Pas commencé"),
    "en_cours": _l("En cours"),
    "termine": _l("Terminé"),
}


class Module(TimestampMixin, db.Model):
    """A learning module. Its content lives in versions (one current published
    version shown to learners, at most one draft being edited)."""

    __tablename__ = "course_module"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
    )
    slug: Mapped[str] = mapped_column(String(80), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleVersion.number",
        passive_deletes=True,
    )

    @property
    def is_shared(self) -> bool:
        return self.organisation_id is None


class ModuleVersion(db.Model):
    """One version of a module's content. Published versions are kept."""

    __tablename__ = "course_module_version"
    __table_args__ = (
        UniqueConstraint("module_id", "number"),
        Index("ix_course_module_version_current", "module_id", "is_current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    duration: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    audience: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    competences: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    level: Mapped[str] = mapped_column(String(20), nullable=False, default="débutant")
    pass_score: Mapped[int] = mapped_column(Integer, nullable=False, default=80)
    version_label: Mapped[str | None] = mapped_column(String(40), nullable=True)
    introduction: Mapped[str] = mapped_column(Text, nullable=False, default="")
    introduction_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Bumped at every save of the description from the editor (optimistic locking).
    edit_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    module: Mapped[Module] = relationship(back_populates="versions")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Lesson.position",
        passive_deletes=True,
    )
    competence_rows: Mapped[list[Competence]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def level_label(self) -> str:
        return label(LEVEL_LABELS, self.level)

    @property
    def version(self) -> str | None:  # the name course_format.module_to_files reads
        return self.version_label


class Competence(db.Model):
    """A competence tag of a version (a row each, so the catalogue filters in SQL)."""

    __tablename__ = "course_competence"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_module_version.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)


class Lesson(db.Model):
    """A lesson of one version. ``body`` is the Markdown with ``[[quiz:N]]``
    placeholders, ``source`` what the trainer edits (with ```quiz blocks),
    ``body_html`` the sanitised HTML rendered once at import or save."""

    __tablename__ = "course_lesson"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_module_version.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    filename: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Bumped at every save from the editor: a form opened on an older value is
    # refused, so two trainers never silently overwrite each other.
    edit_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1")

    version: Mapped[ModuleVersion] = relationship(back_populates="lessons")
    quizzes: Mapped[list[Quiz]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="Quiz.number",
        passive_deletes=True,
    )


class Quiz(db.Model):
    __tablename__ = "course_quiz"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("course_lesson.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)

    lesson: Mapped[Lesson] = relationship(back_populates="quizzes")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan", order_by="Question.position",
        passive_deletes=True,
    )


class Question(db.Model):
    __tablename__ = "course_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("course_quiz.id", ondelete="CASCADE"), index=True, nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    explanation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    multiple: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="Option.position",
        passive_deletes=True,
    )


class Option(db.Model):
    __tablename__ = "course_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("course_question.id", ondelete="CASCADE"), index=True, nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    correct: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    question: Mapped[Question] = relationship(back_populates="options")


class CourseImage(db.Model):
    """An image of a module (``images/x.png``), bytes kept in the database."""

    __tablename__ = "course_image"
    __table_args__ = (UniqueConstraint("module_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class LessonProgress(db.Model):
    """A lesson marked as done by a learner (identity survives versions)."""

    __tablename__ = "course_lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "lesson_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True, nullable=False
    )
    lesson_key: Mapped[str] = mapped_column(String(80), nullable=False)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class QuizAttempt(db.Model):
    """One submission of a quiz. ``answers`` is private to the learner."""

    __tablename__ = "course_quiz_attempt"
    __table_args__ = (Index("ix_course_quiz_attempt_user_module", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True, nullable=False
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module_version.id", ondelete="SET NULL"), nullable=True
    )
    lesson_key: Mapped[str] = mapped_column(String(80), nullable=False)
    quiz_number: Mapped[int] = mapped_column(Integer, nullable=False)
    correct: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Completion(db.Model):
    """A module completed by a learner (every lesson done, quiz score reached)."""

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True, nullable=False
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module_version.id", ondelete="SET NULL"), nullable=True
    )
    score: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    attestation: Mapped[Attestation | None] = relationship(
        back_populates="completion", uselist=False, cascade="all, delete-orphan"
    )


class Attestation(db.Model):
    """The printable proof of a completion, checked publicly by its random code."""

    __tablename__ = "course_attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        ForeignKey("course_completion.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    module_title: Mapped[str] = mapped_column(String(200), nullable=False)
    duration: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    completion: Mapped[Completion] = relationship(back_populates="attestation")


class Assignment(TenantMixin, TimestampMixin, db.Model):
    """A module assigned to a service or to chosen agents, with an optional due date."""

    __tablename__ = "course_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True, nullable=False
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True, nullable=True
    )
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    module: Mapped[Module] = relationship()
    service: Mapped[Service | None] = relationship()
    users: Mapped[list[User]] = relationship(secondary="course_assignment_user",
                                             order_by="User.full_name")


class AssignmentUser(db.Model):
    __tablename__ = "course_assignment_user"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AssignmentReminder(db.Model):
    """A reminder already sent (one per assignment and user)."""

    __tablename__ = "course_assignment_reminder"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ProjectModule(TenantMixin, db.Model):
    """A module that agents of a project's services must complete before go-live."""

    __tablename__ = "course_project_module"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    module: Mapped[Module] = relationship()


class SyncRun(db.Model):
    """One run of the library import started from the trainers' pages."""

    __tablename__ = "course_sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    output: Mapped[str] = mapped_column(Text, nullable=False, default="")

    @property
    def is_stuck(self) -> bool:
        """Unfinished long after its job's time limit: its worker died and the
        retries are spent, or the queue lost it (the trainer may start another)."""
        return self.finished_at is None and self.created_at < utcnow() - timedelta(minutes=15)
