"""The maturity observatory: referentials (questionnaires) and their versions,
editions (campaigns), each collectivité's diagnosis with its answers, theme
assignments and history, and the precomputed peer distributions.

Referentials, editions and distributions belong to the platform; diagnoses,
answers, assignments, history and theme links belong to one collectivité
(TenantMixin) and are never shown outside it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin, UTCDateTime, utcnow
from change_portal.extensions import db

LEVELS = (0, 1, 2, 3, 4, 5)


class Referential(TimestampMixin, db.Model):
    """One version of a questionnaire. A version used by a submitted diagnosis is
    never changed: a new content makes version + 1."""

    __tablename__ = "maturity_referential"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: the version label written in the files ("2026.1"), shown to people
    label: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: sha256 of the normalised content: same files, same hash, nothing to do
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the level names of the scale, 0 to 5
    scale: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="referential", order_by="Theme.position, Theme.id",
        cascade="all, delete-orphan")


class Theme(db.Model):
    __tablename__ = "maturity_theme"
    __table_args__ = (UniqueConstraint("referential_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referential_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_referential.id", ondelete="CASCADE"), index=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: module competence tags this theme matches
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    referential: Mapped[Referential] = relationship(back_populates="themes")
    statements: Mapped[list[Statement]] = relationship(
        back_populates="theme", order_by="Statement.position, Statement.id",
        cascade="all, delete-orphan")


class Statement(db.Model):
    """An affirmation the collectivité places itself on, levels 0 to 5."""

    __tablename__ = "maturity_statement"
    __table_args__ = (UniqueConstraint("theme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_theme.id", ondelete="CASCADE"), index=True, nullable=False)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: six descriptions, index = level
    levels: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    theme: Mapped[Theme] = relationship(back_populates="statements")


class EditionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


EDITION_STATUS_LABELS = {EditionStatus.OPEN: _l("Ouverte"), EditionStatus.CLOSED: _l("Close")}


class Edition(TimestampMixin, db.Model):
    """A campaign run by the platform operator on one referential version."""

    __tablename__ = "maturity_edition"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="dates_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    referential_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_referential.id", ondelete="RESTRICT"), index=True, nullable=False)
    opens_on: Mapped[date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=EditionStatus.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: the observatory is public once set (only for a closed edition)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    referential: Mapped[Referential] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == EditionStatus.OPEN

    @property
    def status_label(self) -> str:
        return label(EDITION_STATUS_LABELS, self.status)


class DiagnosisStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Diagnosis(TenantMixin, TimestampMixin, db.Model):
    """One collectivité's self-diagnosis for one edition."""

    __tablename__ = "maturity_diagnosis"
    __table_args__ = (UniqueConstraint("organisation_id", "edition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_edition.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=DiagnosisStatus.IN_PROGRESS)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    #: the person the admin designated to review and submit (besides admins)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: the comparison group, fixed at submission: kind and population band
    stratum_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    stratum_band: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: theme slug -> level (one decimal), computed at submission
    theme_levels: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    overall_level: Mapped[float | None] = mapped_column(Float, nullable=True)

    edition: Mapped[Edition] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == DiagnosisStatus.SUBMITTED


class Answer(TenantMixin, db.Model):
    """The level chosen for one statement, with an optional comment (Markdown,
    rendered at save time). edit_version guards against lost updates."""

    __tablename__ = "maturity_answer"
    __table_args__ = (
        UniqueConstraint("diagnosis_id", "statement_id"),
        CheckConstraint("level IS NULL OR (level >= 0 AND level <= 5)", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    diagnosis_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_diagnosis.id", ondelete="CASCADE"), index=True, nullable=False)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_statement.id", ondelete="CASCADE"), index=True, nullable=False)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    comment_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    edit_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    updated_by: Mapped[User | None] = relationship()


class Assignment(TenantMixin, db.Model):
    """A theme entrusted to one member of the collectivité."""

    __tablename__ = "maturity_assignment"
    __table_args__ = (UniqueConstraint("diagnosis_id", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    diagnosis_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_diagnosis.id", ondelete="CASCADE"), index=True, nullable=False)
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_theme.id", ondelete="CASCADE"), index=True, nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    theme: Mapped[Theme] = relationship()


class HistoryKind(enum.StrEnum):
    START = "start"
    ANSWER = "answer"
    ASSIGN = "assign"
    SUBMIT = "submit"
    REOPEN = "reopen"


class DiagnosisHistory(TenantMixin, db.Model):
    """Who changed what in a diagnosis, and when."""

    __tablename__ = "maturity_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    diagnosis_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_diagnosis.id", ondelete="CASCADE"), index=True, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("maturity_statement.id", ondelete="SET NULL"), nullable=True)
    from_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    to_value: Mapped[str | None] = mapped_column(String(200), nullable=True)

    actor: Mapped[User | None] = relationship()


class ThemeObjective(TenantMixin, db.Model):
    """A roadmap objective the collectivité linked to a theme."""

    __tablename__ = "maturity_theme_objective"
    __table_args__ = (UniqueConstraint("organisation_id", "theme_slug", "objective_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_slug: Mapped[str] = mapped_column(String(60), nullable=False)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_objective.id", ondelete="CASCADE"), index=True, nullable=False)


OVERALL = "_ensemble"  # theme_slug of the overall level in distributions
ALL_RESPONDENTS = "all"  # group_key of every respondent of an edition


class Distribution(db.Model):
    """Median and quartiles of one group's submitted levels for one theme of one
    edition, precomputed when a diagnosis is submitted or reopened. `n` is kept
    to apply the rule of 5; quartiles are null when n < 5 (never stored)."""

    __tablename__ = "maturity_distribution"
    __table_args__ = (UniqueConstraint("edition_id", "group_key", "theme_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_edition.id", ondelete="CASCADE"), index=True, nullable=False)
    #: "all" or a stratum key "commune:3500-9999"
    group_key: Mapped[str] = mapped_column(String(40), nullable=False)
    theme_slug: Mapped[str] = mapped_column(String(60), nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    q1: Mapped[float | None] = mapped_column(Float, nullable=True)
    median: Mapped[float | None] = mapped_column(Float, nullable=True)
    q3: Mapped[float | None] = mapped_column(Float, nullable=True)
