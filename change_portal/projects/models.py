"""Projects of a collectivité. Consensus-building actions, proposals and
positions live here too (change_portal.projects owns them)."""

from __future__ import annotations

import enum
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.models import TenantMixin, TimestampMixin
from change_portal.extensions import db
from change_portal.organisations.models import Service


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
        return str(PROJECT_STATUS_LABELS.get(ProjectStatus(self.status), self.status))

    @property
    def is_active(self) -> bool:
        return self.status not in (ProjectStatus.DEPLOYED, ProjectStatus.ABANDONED)
