"""The digital roadmap: one per collectivité, its axes, objectives, indicators,
their dated values and the history of every change."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
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


class ObjectiveStatus(enum.StrEnum):
    NOT_STARTED = "non_commence"
    ONGOING = "en_cours"
    REACHED = "atteint"
    ABANDONED = "abandonne"


OBJECTIVE_STATUS_LABELS = {
    ObjectiveStatus.NOT_STARTED: _l("Non commencé"),
    ObjectiveStatus.ONGOING: _l("En cours"),
    ObjectiveStatus.REACHED: _l("Atteint"),
    ObjectiveStatus.ABANDONED: _l("Abandonné"),
}


class Roadmap(TenantMixin, TimestampMixin, db.Model):
    """The schéma de développement numérique of one collectivité."""

    __tablename__ = "roadmap"
    __table_args__ = (
        UniqueConstraint("organisation_id"),
        CheckConstraint("end_year >= start_year", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    start_year: Mapped[int] = mapped_column(Integer, nullable=False)
    end_year: Mapped[int] = mapped_column(Integer, nullable=False)

    axes: Mapped[list[Axis]] = relationship(
        back_populates="roadmap", order_by="Axis.position, Axis.id", cascade="all, delete-orphan"
    )


class Axis(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "roadmap_axis"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap.id", ondelete="CASCADE"), index=True, nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    roadmap: Mapped[Roadmap] = relationship(back_populates="axes")
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="axis", order_by="Objective.id", cascade="all, delete-orphan"
    )


class Objective(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "roadmap_objective"
    __table_args__ = (
        CheckConstraint("manual_progress >= 0 AND manual_progress <= 100",
                        name="manual_progress_range"),
        CheckConstraint("weight >= 1", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_axis.id", ondelete="CASCADE"), index=True, nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=ObjectiveStatus.NOT_STARTED
    )
    weight: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    manual_progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    axis: Mapped[Axis] = relationship(back_populates="objectives")
    owner: Mapped[User | None] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="objective", order_by="Indicator.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return label(OBJECTIVE_STATUS_LABELS, self.status)


class Indicator(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "roadmap_indicator"
    __table_args__ = (CheckConstraint("target <> baseline", name="target_differs"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_objective.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    baseline: Mapped[float] = mapped_column(Float, nullable=False)
    target: Mapped[float] = mapped_column(Float, nullable=False)

    objective: Mapped[Objective] = relationship(back_populates="indicators")
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", order_by="IndicatorValue.measured_on, IndicatorValue.id",
        cascade="all, delete-orphan",
    )


class IndicatorValue(TenantMixin, db.Model):
    __tablename__ = "roadmap_indicator_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_indicator.id", ondelete="CASCADE"), index=True, nullable=False
    )
    value: Mapped[float] = mapped_column(Float, nullable=False)
    measured_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    indicator: Mapped[Indicator] = relationship(back_populates="values")


class ObjectiveHistory(TenantMixin, db.Model):
    """Who changed what on an objective, and when: status, progress, indicator value."""

    __tablename__ = "roadmap_objective_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_objective.id", ondelete="CASCADE"), index=True, nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # status|progress|indicator
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    from_value: Mapped[str | None] = mapped_column(String(60), nullable=True)
    to_value: Mapped[str] = mapped_column(String(60), nullable=False)

    actor: Mapped[User | None] = relationship()
    objective: Mapped[Objective] = relationship()

    def _label(self, value: str | None) -> str | None:
        if self.kind != "status" or value is None:
            return value
        return label(OBJECTIVE_STATUS_LABELS, value)

    @property
    def from_label(self) -> str | None:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)


class DashboardVisit(db.Model):
    """When each person last opened the elected officials' dashboard."""

    __tablename__ = "roadmap_dashboard_visit"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# A report normally takes seconds, and a job whose worker died is handed back
# within two minutes: past this, the person is told it is stuck and may retry.
REPORT_STUCK_AFTER = timedelta(minutes=5)

REPORT_STATUS_LABELS = {
    ReportStatus.QUEUED: _l("En attente"),
    ReportStatus.RUNNING: _l("En cours de préparation"),
    ReportStatus.DONE: _l("Prêt"),
    ReportStatus.FAILED: _l("Échec"),
}


class ReportJob(TenantMixin, TimestampMixin, db.Model):
    """A council report (PDF) or an export (CSV) produced by a background job.
    The file is stored in the row (a few hundred KB at most)."""

    __tablename__ = "roadmap_report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # pdf | csv
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReportStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    requested_by: Mapped[User | None] = relationship()

    @property
    def is_stuck(self) -> bool:
        """Waiting or running for longer than any healthy job would."""
        return (self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
                and self.updated_at is not None
                and self.updated_at < utcnow() - REPORT_STUCK_AFTER)

    @property
    def status_label(self) -> str:
        if self.is_stuck:
            return str(_l("Bloqué"))
        return label(REPORT_STATUS_LABELS, self.status)

    @property
    def filename(self) -> str:
        return f"feuille-de-route-{self.id}.{self.kind}"
