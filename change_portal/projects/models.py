"""Projects of a collectivité. Consensus-building actions, proposals and
positions live here too (change_portal.projects owns them)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin, UTCDateTime, utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.roadmap.models import Objective


class ProjectStatus(enum.StrEnum):
    IDEA = "idee"
    FRAMING = "cadrage"
    ONGOING = "en_cours"
    DEPLOYED = "deploye"
    ABANDONED = "abandonne"


PROJECT_STATUS_LABELS = {
    ProjectStatus.IDEA: _l("Idée"),
    ProjectStatus.FRAMING: _l("Cadrage"),
    ProjectStatus.ONGOING: _l("En cours"),
    ProjectStatus.DEPLOYED: _l("Déployé"),
    ProjectStatus.ABANDONED: _l("Abandonné"),
}

project_service = Table(
    "project_service",
    db.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Project(TenantMixin, TimestampMixin, db.Model):
    """A digital project of the collectivité (new online procedure, GRC tool…)."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ProjectStatus.IDEA)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    lead: Mapped[User | None] = relationship()
    services: Mapped[list[Service]] = relationship(secondary=project_service,
                                                   order_by="Service.name")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return label(PROJECT_STATUS_LABELS, self.status)

    @property
    def is_active(self) -> bool:
        return self.status not in (ProjectStatus.DEPLOYED, ProjectStatus.ABANDONED)


# --- added by the projects domain (migration 0005_projects_roadmap) ----------

project_objective = Table(
    "project_objective",
    db.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("roadmap_objective.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)

action_objective = Table(
    "action_objective",
    db.metadata,
    Column("action_id", ForeignKey("project_action.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("roadmap_objective.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)

action_service = Table(
    "action_service",
    db.metadata,
    Column("action_id", ForeignKey("project_action.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

Project.objectives = relationship(Objective, secondary=project_objective,
                                  order_by=Objective.id, viewonly=False)


class ProjectStatusChange(TenantMixin, db.Model):
    """History of a project's status: who, when, from, to."""

    __tablename__ = "project_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True, nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)

    actor: Mapped[User | None] = relationship()
    project: Mapped[Project] = relationship()

    @property
    def to_label(self) -> str:
        return label(PROJECT_STATUS_LABELS, self.to_status)


class ActionType(enum.StrEnum):
    INFO_MEETING = "reunion_information"
    WORKSHOP = "atelier"
    CST = "cst"
    TRAINING = "formation"
    SURVEY = "enquete"
    PILOT = "test_pilote"
    INTERVIEW = "entretien"
    INTERNAL_COMM = "communication_interne"
    OTHER = "autre"


ACTION_TYPE_LABELS = {
    ActionType.INFO_MEETING: _l("Réunion d'information"),
    ActionType.WORKSHOP: _l("Atelier participatif"),
    ActionType.CST: _l("Consultation des représentants du personnel (CST, comité social "
                       "territorial)"),
    ActionType.TRAINING: _l("Formation"),
    ActionType.SURVEY: _l("Enquête"),
    ActionType.PILOT: _l("Test pilote"),
    ActionType.INTERVIEW: _l("Entretien individuel"),
    ActionType.INTERNAL_COMM: _l("Communication interne"),
    ActionType.OTHER: _l("Autre"),
}


class ActionStatus(enum.StrEnum):
    PLANNED = "prevue"
    DONE = "realisee"
    CANCELLED = "annulee"


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: _l("Prévue"),
    ActionStatus.DONE: _l("Réalisée"),
    ActionStatus.CANCELLED: _l("Annulée"),
}


class Action(TenantMixin, TimestampMixin, db.Model):
    """A consensus-building action of a project, linked to ≥ 1 roadmap objective."""

    __tablename__ = "project_action"
    __table_args__ = (
        CheckConstraint("participants >= 0", name="participants_positive"),
        # The dashboard's late / upcoming lists: one range of planned actions of a
        # collectivité, already in (planned_on, id) order (migration 0026_dashboard).
        Index("ix_project_action_dashboard", "organisation_id", "status", "planned_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    planned_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ActionStatus.PLANNED)
    participants: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    minutes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    minutes_html: Mapped[str] = mapped_column(Text, nullable=False, default="")

    project: Mapped[Project] = relationship()
    objectives: Mapped[list[Objective]] = relationship(secondary=action_objective,
                                                       order_by=Objective.id)
    services: Mapped[list[Service]] = relationship(secondary=action_service,
                                                   order_by="Service.name")
    concerns: Mapped[list[Concern]] = relationship(
        back_populates="action", order_by="Concern.id", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return label(ACTION_TYPE_LABELS, self.kind)

    @property
    def status_label(self) -> str:
        return label(ACTION_STATUS_LABELS, self.status)


class Concern(TenantMixin, TimestampMixin, db.Model):
    """A worry raised during an action, and the answer given (or not yet)."""

    __tablename__ = "project_concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("project_action.id", ondelete="CASCADE"), index=True, nullable=False
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    raised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    action: Mapped[Action] = relationship(back_populates="concerns")


class ProjectComment(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "project_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True, nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)

    author: Mapped[User | None] = relationship()


class Stance(enum.StrEnum):
    AGREE = "accord"
    RESERVATIONS = "reserves"
    DISAGREE = "desaccord"
    BLOCK = "blocage"


STANCE_LABELS = {
    Stance.AGREE: _l("D'accord"),
    Stance.RESERVATIONS: _l("Réserves"),
    Stance.DISAGREE: _l("Pas d'accord"),
    Stance.BLOCK: _l("Blocage"),
}

# What each stance means, next to the choice on the position form.
STANCE_HINTS = {
    Stance.AGREE: _l("D'accord : je soutiens la proposition telle qu'elle est."),
    Stance.RESERVATIONS: _l("Réserves : d'accord, à des conditions que je précise."),
    Stance.DISAGREE: _l("Pas d'accord : je préférerais autre chose, sans m'y opposer."),
    Stance.BLOCK: _l("Blocage : objection grave, la proposition ne doit pas passer en l'état."),
}


class Proposal(TenantMixin, TimestampMixin, db.Model):
    """A proposal a project lead submits to the agents of the services concerned."""

    __tablename__ = "project_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True, nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    hide_results: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    # Current positions by stance (the meter), kept by services.give_position in the
    # same transaction as the position (migration 0025_meters filled them).
    positions_accord: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                  server_default="0")
    positions_reserves: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                    server_default="0")
    positions_desaccord: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                     server_default="0")
    positions_blocage: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                   server_default="0")

    project: Mapped[Project] = relationship()

    def is_open(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) < self.closes_at

    def stance_counts(self) -> dict[str, int]:
        """The stored current positions by stance (zeros left out, as a Counter)."""
        return {s.value: n for s in Stance if (n := getattr(self, f"positions_{s.value}"))}


class Position(TenantMixin, TimestampMixin, db.Model):
    """One agent's current position on a proposal (changes go to PositionChange)."""

    __tablename__ = "project_position"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
    )
    stance: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)

    user: Mapped[User] = relationship()

    @property
    def stance_label(self) -> str:
        return label(STANCE_LABELS, self.stance)


class PositionChange(TenantMixin, db.Model):
    """Every position given, in order: the meter's distribution over time reads it."""

    __tablename__ = "project_position_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    stance: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    user: Mapped[User] = relationship()

    @property
    def stance_label(self) -> str:
        return label(STANCE_LABELS, self.stance)
